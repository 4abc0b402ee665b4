// Vulkan devices for hoard::list_gpus. The loader is opened at run time
// (dlopen), so Hoard neither links Vulkan nor needs it installed; only the
// declarations come from Vulkan's headers (HOARD_HAVE_VULKAN_HEADERS), and
// without them this probe is compiled out. Structures and rules as in the
// Vulkan 1.3 specification: instance and device versions (§ 4.1 "Version
// Numbers", "Querying Version Support"), vkGetPhysicalDeviceProperties2 with
// VkPhysicalDeviceIDProperties / VkPhysicalDeviceDriverProperties, and the
// VK_EXT_memory_budget and VK_EXT_pci_bus_info device extensions.
#include "api/gpu_listing.hpp"

#include <exception>

#if HOARD_HAVE_VULKAN_HEADERS
#define VK_NO_PROTOTYPES // every entry point is looked up through the loader
#include <vulkan/vulkan.h>

#include <dlfcn.h>

#include <algorithm>
#include <cstring>
#endif

namespace hoard::api {

#if HOARD_HAVE_VULKAN_HEADERS

namespace {

// Enough for any machine; a broken driver's counts are not trusted further.
constexpr uint32_t kMaxDevices = 64;
constexpr uint32_t kMaxExtensions = 4096;

struct Loader {
    PFN_vkGetInstanceProcAddr get_instance_proc = nullptr;
    std::string problem;
};

// Opened once and kept for the life of the process: unloading a Vulkan loader
// (and the drivers it pulled in) while anything might still run is not safe.
const Loader& vulkan_loader() {
    static const Loader loader = [] {
        Loader l;
        void* library = dlopen("libvulkan.so.1", RTLD_NOW | RTLD_LOCAL);
        if (!library) {
            l.problem = "no Vulkan loader (libvulkan.so.1 is not installed)";
            return l;
        }
        l.get_instance_proc =
            reinterpret_cast<PFN_vkGetInstanceProcAddr>(dlsym(library, "vkGetInstanceProcAddr"));
        if (!l.get_instance_proc) l.problem = "the Vulkan loader lacks vkGetInstanceProcAddr";
        return l;
    }();
    return loader;
}

std::string version_text(uint32_t version) {
    return std::to_string(VK_API_VERSION_MAJOR(version)) + "." +
           std::to_string(VK_API_VERSION_MINOR(version));
}

const char* type_name(VkPhysicalDeviceType type) {
    switch (type) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU:
        return "discrete";
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU:
        return "integrated";
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU:
        return "virtual";
    case VK_PHYSICAL_DEVICE_TYPE_CPU:
        return "CPU";
    default:
        return "other";
    }
}

// A fixed-size, NUL-terminated string from a driver, read safely.
template <size_t N> std::string bounded(const char (&text)[N]) {
    return std::string(text, strnlen(text, N));
}

// The entry points the probe uses, once the instance exists.
struct InstanceFunctions {
    PFN_vkDestroyInstance destroy = nullptr;
    PFN_vkEnumeratePhysicalDevices enumerate = nullptr;
    PFN_vkGetPhysicalDeviceProperties properties = nullptr;
    PFN_vkGetPhysicalDeviceMemoryProperties memory = nullptr;
    PFN_vkEnumerateDeviceExtensionProperties extensions = nullptr;
    PFN_vkGetPhysicalDeviceProperties2 properties2 = nullptr; // Vulkan 1.1
    PFN_vkGetPhysicalDeviceMemoryProperties2 memory2 = nullptr;

    InstanceFunctions(PFN_vkGetInstanceProcAddr get, VkInstance instance, uint32_t api) {
        auto load = [&](auto& fn, const char* name) {
            fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(get(instance, name));
        };
        load(destroy, "vkDestroyInstance");
        load(enumerate, "vkEnumeratePhysicalDevices");
        load(properties, "vkGetPhysicalDeviceProperties");
        load(memory, "vkGetPhysicalDeviceMemoryProperties");
        load(extensions, "vkEnumerateDeviceExtensionProperties");
        if (api >= VK_API_VERSION_1_1) {
            load(properties2, "vkGetPhysicalDeviceProperties2");
            load(memory2, "vkGetPhysicalDeviceMemoryProperties2");
        }
    }
    bool complete() const { return destroy && enumerate && properties && memory && extensions; }
};

bool has_extension(const InstanceFunctions& vk, VkPhysicalDevice device, const char* name) {
    uint32_t count = 0;
    if (vk.extensions(device, nullptr, &count, nullptr) != VK_SUCCESS) return false;
    count = std::min(count, kMaxExtensions);
    std::vector<VkExtensionProperties> list(count);
    const VkResult result = vk.extensions(device, nullptr, &count, list.data());
    if (result != VK_SUCCESS && result != VK_INCOMPLETE) return false;
    list.resize(std::min<size_t>(count, list.size()));
    return std::any_of(list.begin(), list.end(), [&](const VkExtensionProperties& e) {
        return bounded(e.extensionName) == name;
    });
}

// One physical device: name, type, memory (the device-local heaps), and what
// identifies it (UUID, PCI address) where the driver says.
ProbedGpu describe(const InstanceFunctions& vk, VkPhysicalDevice device, uint32_t instance_api) {
    VkPhysicalDeviceProperties props{};
    vk.properties(device, &props);
    ProbedGpu gpu;
    gpu.software = props.deviceType == VK_PHYSICAL_DEVICE_TYPE_CPU;
    gpu.device.backend = "vulkan";
    gpu.device.name = bounded(props.deviceName);
    if (gpu.device.name.empty()) gpu.device.name = "Vulkan device";
    gpu.device.usable_by_hoard = false; // until Hoard has a Vulkan backend

    // What the device may be asked through core 1.1/1.2 queries: the lower of
    // its own version and the instance's.
    const uint32_t api = std::min(props.apiVersion, instance_api);
    const bool modern = api >= VK_API_VERSION_1_1 && vk.properties2 && vk.memory2;
    const bool pci = modern && has_extension(vk, device, VK_EXT_PCI_BUS_INFO_EXTENSION_NAME);
    const bool budget = modern && has_extension(vk, device, VK_EXT_MEMORY_BUDGET_EXTENSION_NAME);

    std::string driver, pci_text;
    if (modern) {
        VkPhysicalDeviceIDProperties ids{};
        ids.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_ID_PROPERTIES;
        VkPhysicalDeviceDriverProperties driver_props{};
        driver_props.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES;
        VkPhysicalDevicePCIBusInfoPropertiesEXT bus{};
        bus.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PCI_BUS_INFO_PROPERTIES_EXT;
        VkPhysicalDeviceProperties2 props2{};
        props2.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2;
        props2.pNext = &ids;
        void** tail = &ids.pNext;
        if (api >= VK_API_VERSION_1_2) { // driver properties are core from 1.2
            *tail = &driver_props;
            tail = &driver_props.pNext;
        }
        if (pci) *tail = &bus;
        vk.properties2(device, &props2);
        gpu.uuid.emplace();
        std::memcpy(gpu.uuid->data(), ids.deviceUUID, gpu.uuid->size());
        if (api >= VK_API_VERSION_1_2) {
            driver = bounded(driver_props.driverName);
            const std::string info = bounded(driver_props.driverInfo);
            if (!info.empty()) driver += (driver.empty() ? "" : " ") + info;
        }
        if (pci) pci_text = pci_address(bus.pciDomain, bus.pciBus, bus.pciDevice, bus.pciFunction);
    }

    VkPhysicalDeviceMemoryBudgetPropertiesEXT heap_budget{};
    heap_budget.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_BUDGET_PROPERTIES_EXT;
    VkPhysicalDeviceMemoryProperties2 memory2{};
    memory2.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_PROPERTIES_2;
    if (budget) {
        memory2.pNext = &heap_budget;
        vk.memory2(device, &memory2);
    } else {
        vk.memory(device, &memory2.memoryProperties);
    }
    const VkPhysicalDeviceMemoryProperties& memory = memory2.memoryProperties;
    // Device-local heaps are the GPU's own memory (drivers may split it, e.g.
    // the CPU-visible window, so they are added up).
    const uint32_t heaps = std::min<uint32_t>(memory.memoryHeapCount, VK_MAX_MEMORY_HEAPS);
    for (uint32_t h = 0; h < heaps; ++h) {
        if (!(memory.memoryHeaps[h].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT)) continue;
        gpu.device.total_bytes += memory.memoryHeaps[h].size;
        if (budget && heap_budget.heapBudget[h] > heap_budget.heapUsage[h])
            gpu.device.free_bytes += heap_budget.heapBudget[h] - heap_budget.heapUsage[h];
    }
    gpu.device.free_bytes = std::min(gpu.device.free_bytes, gpu.device.total_bytes);

    gpu.device.detail =
        std::string(type_name(props.deviceType)) + " · Vulkan " + version_text(props.apiVersion);
    if (!driver.empty()) gpu.device.detail += " · " + driver;
    if (!pci_text.empty()) gpu.device.detail += " · PCI " + pci_text;
    if (!budget) gpu.device.detail += " · free memory not reported";
    return gpu;
}

GpuProbe probe_with_loader(const Loader& loader, bool include_software) {
    GpuProbe probe;
    if (!loader.get_instance_proc) {
        probe.reason = loader.problem;
        return probe;
    }
    const PFN_vkGetInstanceProcAddr get = loader.get_instance_proc;
    auto create = reinterpret_cast<PFN_vkCreateInstance>(get(nullptr, "vkCreateInstance"));
    auto instance_version = reinterpret_cast<PFN_vkEnumerateInstanceVersion>(
        get(nullptr, "vkEnumerateInstanceVersion")); // absent from 1.0 loaders
    if (!create) {
        probe.reason = "the Vulkan loader lacks vkCreateInstance";
        return probe;
    }
    uint32_t loader_api = VK_API_VERSION_1_0;
    if (instance_version && instance_version(&loader_api) != VK_SUCCESS)
        loader_api = VK_API_VERSION_1_0;
    // Ask for the newest version this code knows; a 1.0 loader takes only 1.0.
    const uint32_t instance_api = loader_api >= VK_API_VERSION_1_1
                                      ? std::min<uint32_t>(loader_api, VK_API_VERSION_1_3)
                                      : VK_API_VERSION_1_0;

    VkApplicationInfo app{};
    app.sType = VK_STRUCTURE_TYPE_APPLICATION_INFO;
    app.pApplicationName = "Hoard device probe";
    app.pEngineName = "Hoard";
    app.apiVersion = instance_api;
    VkInstanceCreateInfo info{};
    info.sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO;
    info.pApplicationInfo = &app;
    VkInstance instance = VK_NULL_HANDLE;
    const VkResult created = create(&info, nullptr, &instance);
    if (created != VK_SUCCESS || instance == VK_NULL_HANDLE) {
        probe.reason = created == VK_ERROR_INCOMPATIBLE_DRIVER
                           ? "no Vulkan driver is installed"
                           : "the Vulkan loader could not start (VkResult " +
                                 std::to_string(int(created)) + ")";
        return probe;
    }
    const InstanceFunctions vk(get, instance, instance_api);
    if (!vk.complete()) {
        if (vk.destroy) vk.destroy(instance, nullptr);
        probe.reason = "the Vulkan loader lacks the functions to list devices";
        return probe;
    }

    uint32_t count = 0;
    std::vector<VkPhysicalDevice> devices;
    if (vk.enumerate(instance, &count, nullptr) == VK_SUCCESS && count > 0) {
        devices.resize(std::min(count, kMaxDevices));
        count = uint32_t(devices.size());
        const VkResult listed = vk.enumerate(instance, &count, devices.data());
        devices.resize(listed == VK_SUCCESS || listed == VK_INCOMPLETE
                           ? std::min<size_t>(count, devices.size())
                           : 0);
    }
    std::vector<std::string> software;
    try {
        for (VkPhysicalDevice device : devices) {
            ProbedGpu gpu = describe(vk, device, instance_api);
            if (gpu.software) software.push_back(gpu.device.name);
            if (!gpu.software || include_software) probe.gpus.push_back(std::move(gpu));
        }
    } catch (const std::exception&) { // allocation: keep what was read
    }
    vk.destroy(instance, nullptr);

    if (devices.empty()) {
        probe.reason = "no Vulkan driver reports a GPU";
    } else if (software.size() == devices.size()) {
        probe.reason = "only a software renderer (" + software.front() + "), which is not a GPU";
    }
    return probe;
}

} // namespace

GpuProbe probe_vulkan_gpus(bool include_software) {
    try {
        return probe_with_loader(vulkan_loader(), include_software);
    } catch (const std::exception& e) {
        GpuProbe probe;
        probe.reason = std::string("the Vulkan probe failed: ") + e.what();
        return probe;
    }
}

#else

GpuProbe probe_vulkan_gpus(bool) {
    GpuProbe probe;
    probe.reason = "this Hoard is built without Vulkan's headers, so it does not look";
    return probe;
}

#endif

} // namespace hoard::api

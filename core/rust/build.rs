//! Links the CMake-built `libhoard.so`. Its folder comes from `HOARD_LIB_DIR`,
//! else `../../build/core` beside this crate (the README's build folder). The
//! folder is also written into the binaries' rpath so that this crate's tests
//! and examples run without `LD_LIBRARY_PATH`.
use std::env;
use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=HOARD_LIB_DIR");

    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets this"));
    let lib_dir = match env::var_os("HOARD_LIB_DIR") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => manifest_dir.join("../../build/core"),
    };
    let lib_dir = lib_dir.canonicalize().unwrap_or(lib_dir);
    if !lib_dir.join("libhoard.so").exists() {
        println!(
            "cargo:warning=libhoard.so is not in {}: build it first \
             (cmake --build build --target hoard_c) or set HOARD_LIB_DIR to its folder",
            lib_dir.display()
        );
    }
    println!("cargo:rustc-link-search=native={}", lib_dir.display());
    println!("cargo:rustc-link-lib=dylib=hoard");
    // Applies to this crate's tests, examples and binaries (not to crates that
    // depend on it: they set their own rpath or LD_LIBRARY_PATH).
    println!("cargo:rustc-link-arg=-Wl,-rpath,{}", lib_dir.display());
}

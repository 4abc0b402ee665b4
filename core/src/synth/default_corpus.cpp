#include "synth/default_corpus.hpp"

namespace hoard::synth {

std::string_view default_corpus() {
    return R"(Hoard runs large language models on the computer in front of you. A mixture of
experts model splits the feed forward part of every layer into many experts, and a small router
picks a few of them for each token. Only the chosen experts are read, so a model with forty
billion parameters may touch only a few billion of them for one token. The rest of the weights
can wait in system memory or on disk until the router asks for them.

The graphics card is fast but small. The main memory is larger but slower to reach from the
card, and the disk is larger still and slower again. Hoard keeps the weights that every token
needs on the card: the embeddings, the attention layers, the norms and the routers. The experts
move between the card, the main memory and the disk as the conversation asks for them. When an
expert that is needed is missing from the card, there are several choices. Load it at full
precision and wait. Load a smaller copy with fewer bits, which arrives sooner and is nearly as
good when the router gave that expert a small weight. Or compute the expert on the processor,
where its weights already are, while the card works on the others.

A good cache keeps the experts that will be needed soon. Recent use, frequent use, the weight
the router gave, and how far away the next use of a layer is, all help to decide which expert to
keep and which one to drop. The best possible cache knows the future; it cannot be built, but a
recorded trace lets us measure how close a real policy comes to it.

Prefetching looks ahead. The hidden state of one layer is often a good guess of the hidden state
of the next few layers, so the routers of later layers can be applied early, and the experts they
choose can start to travel over the link before they are needed. When the guess is right the
load is free; when it is wrong the link time is wasted, so the distance we look ahead adapts to
how often the guesses were right.

Every decision is measured. How many times did the cache hit, at which precision, in which layer?
How many bytes crossed the link, and how long did the model wait for them? How many tokens per
second did the chat produce? The numbers are written to a small database while the model talks,
and the desktop application draws them as they change: a heat map of the layers over time, the
mix of precisions, and the traffic on the link.

You can ask the model a question, stop it, edit your message and send it again. You can set the
memory budget with a slider and see, before loading anything, how much of the model will fit and
how fast it will probably run. The estimate comes from replaying the routing of real
conversations against the cache you chose. After loading, the measured figures appear beside the
predicted ones, so you can see how good the estimate was.

The quick brown fox jumps over the lazy dog. One, two, three, four, five, six, seven, eight,
nine, ten. Numbers like 2026, 1024 and 3.14159 appear in text too, and so do names, places and
questions: What is the time? Where is the station? Why is the sky blue? How does this work?
Hello! Thank you. Please tell me more about the weather, the history of computers, cooking rice,
writing a poem, planning a trip, learning a language, or fixing a bicycle.
)";
}

} // namespace hoard::synth

#!/usr/bin/env python3
"""Shrinks a conformance model for the trip to a lent GPU machine.

    slim_gguf.py MODEL.gguf OUT.gguf.xz REFERENCE.json [REFERENCE.json ...]

Every row of token_embd.weight that no reference's prompt_tokens or
greedy_tokens uses is zeroed, then the file is xz-compressed (the zeros vanish).
Evaluating those token sequences reads only the rows kept, so the logits are
exactly those of the original file; the device script decompresses it again.
"""
import json
import lzma
import struct
import sys

# Bytes per block and values per block of the GGUF tensor types used here.
BLOCKS = {0: (4, 1), 1: (2, 1), 8: (34, 32), 12: (144, 256), 13: (176, 256), 14: (210, 256),
          30: (2, 1)}
SCALAR = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}


def read_string(data, at):
    n = struct.unpack_from("<Q", data, at)[0]
    return data[at + 8:at + 8 + n].decode(), at + 8 + n


def skip_value(data, at, kind):
    if kind in SCALAR:
        return at + SCALAR[kind], None
    if kind == 8:
        s, at = read_string(data, at)
        return at, s
    if kind == 9:
        inner, n = struct.unpack_from("<IQ", data, at)
        at += 12
        for _ in range(n):
            at, _ = skip_value(data, at, inner)
        return at, None
    raise ValueError(f"unknown GGUF value type {kind}")


def main():
    src, dst, refs = sys.argv[1], sys.argv[2], sys.argv[3:]
    keep = set()
    for r in refs:
        j = json.load(open(r))
        keep.update(j["prompt_tokens"], j["greedy_tokens"])
    data = bytearray(open(src, "rb").read())
    magic, version, n_tensors, n_kv = struct.unpack_from("<IIQQ", data, 0)
    assert magic == 0x46554747 and version >= 2, "not a GGUF v2+ file"
    at = 24
    alignment = 32
    for _ in range(n_kv):
        key, at = read_string(data, at)
        kind = struct.unpack_from("<I", data, at)[0]
        at += 4
        if key == "general.alignment":
            alignment = struct.unpack_from("<I", data, at)[0]
        at, _ = skip_value(data, at, kind)
    tensors = {}
    for _ in range(n_tensors):
        name, at = read_string(data, at)
        n_dims = struct.unpack_from("<I", data, at)[0]
        dims = struct.unpack_from(f"<{n_dims}Q", data, at + 4)
        kind, offset = struct.unpack_from("<IQ", data, at + 4 + 8 * n_dims)
        at += 4 + 8 * n_dims + 12
        tensors[name] = (dims, kind, offset)
    base = (at + alignment - 1) // alignment * alignment
    # With a tied output head every embedding row is read for the logits.
    assert "output.weight" in tensors, "the output head is tied to the embedding: cannot slim"
    dims, kind, offset = tensors["token_embd.weight"]
    block_bytes, block_values = BLOCKS[kind]
    row = dims[0] // block_values * block_bytes
    zeroed = 0
    for r in range(dims[1]):
        if r not in keep:
            start = base + offset + r * row
            data[start:start + row] = bytes(row)
            zeroed += 1
    with lzma.open(dst, "wb", preset=6) as out:
        out.write(data)
    print(f"{src}: kept {dims[1] - zeroed} of {dims[1]} embedding rows -> {dst}")


if __name__ == "__main__":
    main()

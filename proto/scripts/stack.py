#!/usr/bin/env python3
# SPDX-License-Identifier: MIT OR Apache-2.0
"""Static worst-case stack of IP_SMTPC_Send from the linked probe ELF (scripts/footprint.sh
leaves it in /tmp/proto-lib.elf): per function, the bytes pushed (push/stmdb) plus `sub sp`,
then the deepest path through direct calls (bl). Indirect calls (blx: the C hooks and
pfCallback) are the application's and not counted. A recursive function is reported and
counted once per level up to --depth (Writer::num recurses at most 10 levels)."""
import re, subprocess, sys
elf = sys.argv[1] if len(sys.argv) > 1 else "/tmp/proto-lib.elf"
root = sys.argv[2] if len(sys.argv) > 2 else "IP_SMTPC_Send"
dis = subprocess.run(["arm-none-eabi-objdump", "-d", "--no-show-raw-insn", "-C", elf], capture_output=True, text=True).stdout
frames, calls, cur = {}, {}, None
for line in dis.splitlines():
    m = re.match(r"^[0-9a-f]+ <(.*)>:$", line)
    if m:
        cur = m.group(1); frames[cur] = 0; calls[cur] = set(); continue
    if cur is None or "\t" not in line: continue
    ins = line.split("\t", 2)[1:]
    op = ins[0].strip(); arg = ins[1] if len(ins) > 1 else ""
    if op in ("push", "push.w") or (op.startswith("stmdb") and arg.startswith("sp!")):
        frames[cur] += 4 * len(re.findall(r"r\d+|lr|fp|sl|ip", arg.split("{")[1]))
    elif op in ("vpush",):
        frames[cur] += 4 * len(re.findall(r"s\d+", arg)) + 8 * len(re.findall(r"d\d+", arg))
    elif op.startswith("sub") and re.match(r"sp, (sp, )?#\d+", arg):
        frames[cur] += int(re.findall(r"#(\d+)", arg)[0])
    elif op in ("bl", "b.w", "b") and "<" in arg:
        t = re.search(r"<([^>+]*)>", arg)
        if t and op == "bl": calls[cur].add(t.group(1))
        elif t and t.group(1).startswith("OUTLINED"): calls[cur].add(t.group(1))
recursive = {f for f in calls if f in calls[f]}
LEVELS = 10
def depth(f, seen=()):
    if f in seen: return 0, []
    best, path = 0, []
    for c in calls.get(f, ()):
        d, p = depth(c, seen + (f,))
        if d > best: best, path = d, p
    own = frames.get(f, 0) * (LEVELS if f in recursive else 1)
    note = f" x{LEVELS} (recursive)" if f in recursive else ""
    return own + best, [f"{f} {frames.get(f, 0)}{note}"] + path
total, path = depth(root)
print("\n".join(path))
print(f"worst-case stack of {root}: {total} B (C hooks and pfCallback not included)")

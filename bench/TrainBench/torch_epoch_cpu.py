"""PyTorch peer throughput per epoch, wall clock and process CPU time, on the configuration `twotower bench train` uses.

Calls the peer's own train() (../shared/peers/twotower_torch.py, not copied) for `one p1 --opt adam --batch 1024
--temp 0.05 --logq --genres` and reads time.process_time() at each epoch's log line, so that the peer's
examples per CPU-second can be compared with ours when other jobs share the cores.

    cd ../shared/peers && OPENBLAS_CORETYPE=SkylakeX LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4 \
        /usr/bin/python3 <worktree>/bench/TrainBench/torch_epoch_cpu.py [epochs] [threads]
(threads: the peer sets 2; 1 compares single-core efficiency, which other jobs on the machine disturb least.)
"""
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.getcwd())
import data as D  # noqa: E402  (the peer's loaders, from the peers folder)
import twotower_torch as T  # noqa: E402

epochs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
if len(sys.argv) > 2:
    T.torch.set_num_threads(int(sys.argv[2]))
tr, _ = D.p1_split()
n = len(tr[0])
cpu = [time.process_time()]
wall = []


def log(line):
    cpu.append(time.process_time())
    wall.append(json.loads(line)["ex_per_s"])


T.train(dict(opt="adam", batch=1024, temp=0.05, logq=True, genres=True), tr, epochs, log=log)
per_cpu = [n / (b - a) for a, b in zip(cpu, cpu[1:])]
print(json.dumps({"peer": "pytorch", "torch": T.torch.__version__, "threads": T.torch.get_num_threads(),
                  "examples_per_s": statistics.median(wall), "examples_per_cpu_s": statistics.median(per_cpu),
                  "epoch_examples_per_s": [round(x, 1) for x in wall], "load_average": os.getloadavg()[0]}))

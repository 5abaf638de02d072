"""A few seconds of GPU load for the sampler check (bench/device/README.md).

    python3 bench/device/gpu-load.py [SECONDS]        (default 8)

bf16 matrix products on GPU 0 for SECONDS, then 16 GiB held for 2 s and freed, so that the
timeline shows utilisation, power, clocks and memory move. Prints one JSON line per phase with
its wall-clock time (epochMs, comparable with the samples' epochMs). Without torch, or without
a CUDA device, it says so and exits 0: the sampler then records an idle GPU.
"""
import json
import sys
import time


def event(name, **extra):
    print(json.dumps({"event": name, "epochMs": round(time.time() * 1000), **extra}), flush=True)


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 8.0
    try:
        import torch
    except Exception as err:  # ImportError, or a broken install
        event("skipped", reason=f"torch not importable ({type(err).__name__}: {err})")
        return 0
    if not torch.cuda.is_available():
        event("skipped", reason="torch sees no CUDA device")
        return 0

    dev = torch.device("cuda:0")
    n = 8192
    a = torch.randn(n, n, device=dev, dtype=torch.bfloat16)
    b = torch.randn(n, n, device=dev, dtype=torch.bfloat16)
    torch.cuda.synchronize()
    event("matmul_start", device=torch.cuda.get_device_name(0), torch=torch.__version__, n=n)
    t0 = time.time()
    iters = 0
    while time.time() - t0 < seconds:
        for _ in range(20):
            c = a @ b
        torch.cuda.synchronize()
        iters += 20
    elapsed = time.time() - t0
    event("matmul_end", iterations=iters, seconds=round(elapsed, 3), tflops=round(2 * n**3 * iters / elapsed / 1e12, 1))
    del a, b, c
    torch.cuda.empty_cache()

    hold = torch.empty(16 * 1024**3, dtype=torch.uint8, device=dev)
    hold.fill_(1)
    torch.cuda.synchronize()
    event("hold_16gib_start")
    time.sleep(2)
    del hold
    torch.cuda.empty_cache()
    torch.cuda.synchronize()
    event("hold_16gib_end")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Generate the vLLM fixtures of packages/interop/test/fixtures.

The aggregates are computed from the per-request arrays exactly as vLLM's calculate_metrics()
does (benchmarks/benchmark_serving.py, vllm/benchmarks/serve.py): numpy mean / std (population) /
median / percentile (default 'linear' method) over the successful requests, times in seconds x 1000,
TPOT = (latency - ttft) / (output_len - 1) for output_len > 1, latency = ttft + sum(itl), ITL pooled.
Raw times are rounded to 1 us (so the JSON stays small); the aggregates come from the rounded values.

    python3 packages/interop/scripts/gen_vllm_fixtures.py
"""

import json
import os

import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures")


def metrics(ttfts, itls, out_lens, ok, percentiles, which):
    res = {}
    s_ttft, s_tpot, s_itl, s_e2el = [], [], [], []
    for i in range(len(ttfts)):
        if not ok[i]:
            continue
        lat = ttfts[i] + sum(itls[i])
        s_ttft.append(ttfts[i])
        s_e2el.append(lat)
        s_itl += itls[i]
        if out_lens[i] > 1:
            s_tpot.append((lat - ttfts[i]) / (out_lens[i] - 1))
    series = {"ttft": s_ttft, "tpot": s_tpot, "itl": s_itl, "e2el": s_e2el}
    for m in which:
        xs = series[m] or 0
        res[f"mean_{m}_ms"] = float(np.mean(xs) * 1000)
        res[f"median_{m}_ms"] = float(np.median(xs) * 1000)
        res[f"std_{m}_ms"] = float(np.std(xs) * 1000)
        for p in percentiles:
            word = str(int(p)) if int(p) == p else str(p)
            res[f"p{word}_{m}_ms"] = float(np.percentile(xs, p) * 1000)
    return res


def make(seed, n, fail_idx):
    rng = np.random.default_rng(seed)
    ttfts, itls, out_lens, in_lens, errors, ok = [], [], [], [], [], []
    for i in range(n):
        in_lens.append(int(rng.integers(200, 1200)))
        if i in fail_idx:
            ttfts.append(0.0)
            itls.append([])
            out_lens.append(0)
            errors.append("ClientConnectorError: Cannot connect to host 127.0.0.1:8000")
            ok.append(False)
            continue
        olen = int(rng.integers(8, 48))
        ttft = round(float(rng.lognormal(np.log(0.12), 0.5)), 6)
        base = float(rng.normal(0.018, 0.003))
        gaps = [round(max(0.002, base + float(rng.gamma(2.0, 0.002)) - 0.004), 6) for _ in range(olen - 1)]
        # one chunk in ten carries two tokens: fewer gaps than tokens − 1
        gaps = [g for j, g in enumerate(gaps) if j % 10 != 9]
        ttfts.append(ttft)
        itls.append(gaps)
        out_lens.append(olen)
        errors.append("")
        ok.append(True)
    return ttfts, itls, out_lens, in_lens, errors, ok


def detailed():
    n = 400
    ttfts, itls, out_lens, in_lens, errors, ok = make(7, n, {17, 123, 301})
    completed = sum(ok)
    duration = 61.734512
    total_in = sum(l for l, k in zip(in_lens, ok) if k)
    total_out = sum(out_lens)
    res = {
        "date": "20250412-101530",
        "backend": "vllm",
        "model_id": "meta-llama/Llama-3.1-8B-Instruct",
        "tokenizer_id": "meta-llama/Llama-3.1-8B-Instruct",
        "num_prompts": n,
        "version": "0.8.3",
        "request_rate": 8.0,
        "burstiness": 1.0,
        "max_concurrency": 16,
        "duration": duration,
        "completed": completed,
        "total_input_tokens": total_in,
        "total_output_tokens": total_out,
        "request_throughput": completed / duration,
        "request_goodput": None,
        "output_throughput": total_out / duration,
        "total_token_throughput": (total_in + total_out) / duration,
        "input_lens": in_lens,
        "output_lens": out_lens,
        "ttfts": ttfts,
        "itls": itls,
        "generated_texts": ["" if not k else "tok " * l for k, l in zip(ok, out_lens)],
        "errors": errors,
    }
    res.update(metrics(ttfts, itls, out_lens, ok, [50, 90, 99], ["ttft", "tpot", "itl", "e2el"]))
    return res


def aggregates():
    n = 200
    ttfts, itls, out_lens, in_lens, errors, ok = make(11, n, {5, 6})
    completed = sum(ok)
    duration = 24.118802
    total_in = sum(l for l, k in zip(in_lens, ok) if k)
    total_out = sum(out_lens)
    res = {
        "date": "20250913-090000",
        "endpoint_type": "openai-chat",
        "backend": "openai-chat",
        "label": None,
        "model_id": "Qwen/Qwen3-8B",
        "tokenizer_id": "Qwen/Qwen3-8B",
        "num_prompts": n,
        "request_rate": "inf",
        "burstiness": 1.0,
        "max_concurrency": 32,
        "duration": duration,
        "completed": completed,
        "failed": n - completed,
        "total_input_tokens": total_in,
        "total_output_tokens": total_out,
        "request_throughput": completed / duration,
        "request_goodput": None,
        "output_throughput": total_out / duration,
        "total_token_throughput": (total_in + total_out) / duration,
        "max_output_tokens_per_s": 612.0,
        "max_concurrent_requests": 32,
    }
    # `vllm bench serve` defaults: --percentile-metrics ttft,tpot,itl --metric-percentiles 99
    res.update(metrics(ttfts, itls, out_lens, ok, [99], ["ttft", "tpot", "itl"]))
    return res


with open(os.path.join(OUT, "vllm-detailed.json"), "w") as f:
    json.dump(detailed(), f)
with open(os.path.join(OUT, "vllm-aggregates.json"), "w") as f:
    json.dump(aggregates(), f)

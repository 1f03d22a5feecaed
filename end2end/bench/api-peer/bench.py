"""The Step Functions API benchmark of `cargo xtask bench-api`: Statehouse beside moto.

Usage: bench.py --statehouse URL [--moto URL] [--executions N] [--threads T] [--sync-calls M]

(a) Throughput: N Standard executions of a 5-state Pass chain, each StartExecution then
    DescribeExecution polled (every 5 ms) until it is no longer RUNNING, on T threads with a
    boto3 client each; executions/s and state transitions/s (5 per execution) per target.
(b) StartSyncExecution latency, p50 and p99 of M calls on one reused connection against an
    EXPRESS machine of the same chain (moto does not implement StartSyncExecution).

Prints a table, then one `RESULT {json}` line. The caller has already enabled moto's
execution (`POST /moto-api/config {"stepfunctions":{"execute_state_machine":true}}`).
"""

import argparse
import json
import statistics
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import boto3
from botocore.config import Config

ROLE = "arn:aws:iam::123456789012:role/statehouse-bench"
STATES = 5
CHAIN = json.dumps(
    {
        "StartAt": "S1",
        "States": {
            f"S{index}": {"Type": "Pass", "Result": {"step": index}, "ResultPath": f"$.s{index}"}
            | ({"End": True} if index == STATES else {"Next": f"S{index + 1}"})
            for index in range(1, STATES + 1)
        },
    }
)


def client(url, pool=10):
    return boto3.client(
        "stepfunctions",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="bench",
        aws_secret_access_key="bench",
        config=Config(
            retries={"max_attempts": 1},
            read_timeout=120,
            max_pool_connections=pool,
            inject_host_prefix=False,
        ),
    )


def create(url, kind):
    name = f"bench-{kind.lower()}-{uuid.uuid4().hex[:8]}"
    return client(url).create_state_machine(name=name, definition=CHAIN, roleArn=ROLE, type=kind)[
        "stateMachineArn"
    ]


def throughput(url, executions, threads):
    """Seconds for `executions` start-and-poll round trips on `threads` threads."""
    machine = create(url, "STANDARD")
    local = threading.local()
    failures = []

    def one(index):
        sfn = getattr(local, "sfn", None)
        if sfn is None:
            sfn = local.sfn = client(url)
        arn = sfn.start_execution(stateMachineArn=machine, name=f"e{index}", input='{"n":1}')["executionArn"]
        while True:
            described = sfn.describe_execution(executionArn=arn)
            if described["status"] != "RUNNING":
                break
            time.sleep(0.005)
        if described["status"] != "SUCCEEDED":
            failures.append((arn, described["status"]))

    # A few warm-up executions (connection set-up, lazy initialisation) are not timed.
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, range(executions, executions + threads)))
    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, range(executions)))
    elapsed = time.perf_counter() - started
    if failures:
        raise SystemExit(f"{url}: {len(failures)} executions did not succeed, e.g. {failures[0]}")
    return elapsed


def sync_latency(url, calls):
    """Per-call milliseconds of `calls` StartSyncExecution calls on one connection."""
    machine = create(url, "EXPRESS")
    sfn = client(url, pool=1)
    for _ in range(20):
        sfn.start_sync_execution(stateMachineArn=machine, input='{"n":1}')
    latencies = []
    for _ in range(calls):
        started = time.perf_counter()
        result = sfn.start_sync_execution(stateMachineArn=machine, input='{"n":1}')
        latencies.append((time.perf_counter() - started) * 1000)
        if result["status"] != "SUCCEEDED":
            raise SystemExit(f"{url}: a sync execution ended {result['status']}: {result}")
    return latencies


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def moto_sync_support(url):
    try:
        sync_latency(url, 1)
        return "supported"
    except Exception as error:  # noqa: BLE001 - any failure means "not usable"
        status = getattr(error, "response", {}).get("ResponseMetadata", {}).get("HTTPStatusCode")
        return f"not implemented (StartSyncExecution answered {type(error).__name__}, HTTP {status})"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--statehouse", required=True)
    parser.add_argument("--moto")
    parser.add_argument("--executions", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--sync-calls", type=int, default=2000)
    args = parser.parse_args()

    targets = [("statehouse", args.statehouse)] + ([("moto", args.moto)] if args.moto else [])
    result = {"executions": args.executions, "threads": args.threads, "states": STATES, "targets": {}}
    for name, url in targets:
        elapsed = throughput(url, args.executions, args.threads)
        result["targets"][name] = {
            "seconds": round(elapsed, 3),
            "executions_per_second": round(args.executions / elapsed, 1),
            "transitions_per_second": round(args.executions * STATES / elapsed, 1),
        }
    latencies = sync_latency(args.statehouse, args.sync_calls)
    result["sync"] = {
        "calls": args.sync_calls,
        "statehouse_p50_ms": round(statistics.median(latencies), 3),
        "statehouse_p99_ms": round(percentile(latencies, 0.99), 3),
        "statehouse_mean_ms": round(statistics.fmean(latencies), 3),
        "moto": moto_sync_support(args.moto) if args.moto else "not run",
    }

    print(f"\nStandard 5-state Pass chain, {args.executions} executions, {args.threads} threads (boto3):")
    print(f"{'target':<12}{'seconds':>10}{'exec/s':>10}{'trans/s':>10}")
    for name, figures in result["targets"].items():
        print(
            f"{name:<12}{figures['seconds']:>10.2f}{figures['executions_per_second']:>10.1f}"
            f"{figures['transitions_per_second']:>10.1f}"
        )
    sync = result["sync"]
    print(f"\nStartSyncExecution (EXPRESS, 5-state Pass chain), {args.sync_calls} calls, one connection:")
    print(f"statehouse  p50 {sync['statehouse_p50_ms']:.2f} ms  p99 {sync['statehouse_p99_ms']:.2f} ms")
    print(f"moto        {sync['moto']}")
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()

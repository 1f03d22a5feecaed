"""Bytes of SQLite file per Standard execution, for definitions of a chosen size.

Starts `statehouse serve` (the binary given) on a fresh data folder, creates a 2-state Pass
chain whose definition is padded with a Comment to about --definition-bytes, starts
--executions executions through the API, and prints the growth of the database file (page
count x page size after a WAL checkpoint) divided by the number of executions.

    python3 end2end/bench/storage/bytes_per_execution.py \
        --binary target/release/statehouse --definition-bytes 2175 --executions 2000
"""

import argparse
import json
import os
import signal
import sqlite3
import subprocess
import tempfile
import time
import urllib.request


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", required=True, help="the statehouse binary")
    parser.add_argument("--definition-bytes", type=int, default=175, help="the definition's size, about")
    parser.add_argument("--executions", type=int, default=2000)
    parser.add_argument("--port", type=int, default=3912)
    args = parser.parse_args()

    states = {"S1": {"Type": "Pass", "Next": "S2"}, "S2": {"Type": "Pass", "End": True}}
    bare = json.dumps({"Comment": "", "StartAt": "S1", "States": states}, indent=2)
    padding = "x" * max(0, args.definition_bytes - len(bare))
    definition = json.dumps({"Comment": padding, "StartAt": "S1", "States": states}, indent=2)

    with tempfile.TemporaryDirectory() as folder:
        data = os.path.join(folder, "data")
        env = dict(
            os.environ,
            STATEHOUSE_LISTEN=f"127.0.0.1:{args.port}",
            STATEHOUSE_DATA_DIR=data,
            STATEHOUSE_CONFIG=os.path.join(data, "statehouse.toml"),
        )
        server = subprocess.Popen([args.binary, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            url = f"http://127.0.0.1:{args.port}/"
            wait_for(url)

            def call(operation: str, body: dict) -> dict:
                request = urllib.request.Request(
                    url,
                    data=json.dumps(body).encode(),
                    headers={
                        "X-Amz-Target": f"AWSStepFunctions.{operation}",
                        "Content-Type": "application/x-amz-json-1.0",
                    },
                )
                with urllib.request.urlopen(request) as response:
                    return json.load(response)

            machine = call(
                "CreateStateMachine",
                {
                    "name": "size",
                    "definition": definition,
                    "roleArn": "arn:aws:iam::123456789012:role/r",
                    "type": "STANDARD",
                },
            )["stateMachineArn"]
            database = os.path.join(data, "statehouse.db")
            before = size(database)
            for index in range(args.executions):
                call("StartExecution", {"stateMachineArn": machine, "name": f"e{index}", "input": "{}"})
            after = size(database)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait()
    per_execution = (after - before) / args.executions
    print(f"definition {len(definition)} bytes: {per_execution:.0f} bytes of database per execution")


def wait_for(url: str) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(url.rstrip("/") + "/healthz").close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def size(database: str) -> int:
    connection = sqlite3.connect(database)
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        pages = connection.execute("PRAGMA page_count").fetchone()[0]
        page_size = connection.execute("PRAGMA page_size").fetchone()[0]
    finally:
        connection.close()
    return pages * page_size


if __name__ == "__main__":
    main()

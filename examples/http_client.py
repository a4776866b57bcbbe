#!/usr/bin/env python3
"""A client of the pywarden HTTP API using only the Python standard library.

Usage:  PYWARDEN_URL=http://127.0.0.1:8787 PYWARDEN_KEY=pwk_... python3 examples/http_client.py

It asks /v1/analyze about a snippet, runs it with /v1/execute, fetches the stored execution
record, shows that denied code costs quota but never runs, and prints the quota left. Errors
come back as {"error": {"code", "message"}} with a 4xx status (429 carries Retry-After).
tests/examples_http_client.rs runs this file against a real `pywarden serve`.
"""
import json
import os
import sys
import urllib.error
import urllib.request

BASE = os.environ.get("PYWARDEN_URL", "http://127.0.0.1:8787").rstrip("/")
KEY = os.environ.get("PYWARDEN_KEY", "")


def call(method, path, body=None):
    """Returns (status, decoded JSON body) for one request."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(BASE + path, data=data, method=method)
    req.add_header("Authorization", "Bearer " + KEY)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, json.load(resp)
    except urllib.error.HTTPError as e:
        retry = e.headers.get("Retry-After")
        payload = json.load(e)
        if retry:
            payload["retry_after"] = retry
        return e.code, payload


def main():
    if not KEY:
        sys.exit("set PYWARDEN_KEY (from `pywarden keys create --user NAME`)")
    code = "total = sum(context['xs'])\nprint(f'total={total}')\n"

    status, report = call("POST", "/v1/analyze", {"code": code})
    print(f"analyze: {status} allowed={report['allowed']} score={report['score']}")

    status, result = call("POST", "/v1/execute", {"code": code, "context": {"xs": [1, 2, 3]},
                                                  "timeout_seconds": 5})
    print(f"execute: {status} termination={result['termination']} stdout={result['stdout']!r}")

    status, record = call("GET", "/v1/executions/" + result["id"])
    print(f"record: {status} user={record['user']} success={record['result']['success']}")

    status, denied = call("POST", "/v1/execute", {"code": "import socket\n"})
    rules = sorted({v["rule"] for v in denied["verdict"]["violations"]})
    print(f"denied: {status} termination={denied['termination']} rules={rules}")

    status, err = call("POST", "/v1/execute", {"code": 42})
    print(f"bad request: {status} {err['error']['code']}")

    status, quota = call("GET", "/v1/quota")
    print(f"quota: {status} used={quota['executions_today']} "
          f"remaining={quota['remaining_executions']}")


if __name__ == "__main__":
    main()

#!/usr/bin/env bash
# Fuzzes the host's HTTP request parser with libFuzzer (clang), for
# ${1:-60} seconds, on a copy of its corpus; new inputs that crash are left
# in build/fuzz as crash-*; add them to host/fuzz/corpus/http_request so that
# every build replays them (CTest host/fuzz/*).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/lib/deps.sh clang
mkdir -p build/fuzz/corpus
clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -Ihost/include \
  host/src/HttpRequestParser.cpp host/fuzz/HttpRequestParserFuzz.cpp -lhttp_parser \
  -o build/fuzz/http_request_parser
cp -n host/fuzz/corpus/http_request/* build/fuzz/corpus/
cd build/fuzz
./http_request_parser -max_total_time="${1:-60}" -max_len=4096 corpus

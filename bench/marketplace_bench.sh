#!/usr/bin/env bash
# Measures the marketplace's catalogue over 10,000 listings on SQLite and
# prints requests/s and p99 (wrk, 2 threads, 64 connections) of:
#  - the first page, newest first;
#  - a search for a word in names and descriptions, sorted by downloads;
#  - two tags and a pricing type, sorted by rating;
#  - one listing's detail (versions, what it needs, usage_metrics).
# One listing is published through the API (a signed bundle); the others are
# its rows copied with other names, tags, prices and figures, written
# straight to the database (publishing 10,000 agents would measure publish).
# Target on 2 cores: p99 under 20 ms.
# Usage: bench/marketplace_bench.sh [seconds=10] [listings=10000]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib/host.sh
duration=${1:-10}
listings=${2:-10000}
bench_prepare wrk python3 curl
start_host "$work" "$bench_build/lib/orchestrator/plugins" \
  ORCH_RATELIMIT__ENABLED=false ORCH_ADMIN_EMAIL=bench@example.com ORCH_ADMIN_PASSWORD=bench-password-42
api="http://127.0.0.1:$HOST_PORT/api/v1"
token=$(bench_token "$api")

listing=$(python3 - "$api" "$token" "$work/data/orchestrator.db" "$listings" <<'PY'
import json, random, sqlite3, sys, urllib.request
api, token, path, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
def call(method, route, body):
    request = urllib.request.Request(api + route, method=method, data=json.dumps(body).encode(),
                                     headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    with urllib.request.urlopen(request) as answer:
        return json.loads(answer.read())
graph = {"nodes": [{"id": "start", "type": "start"}, {"id": "t", "type": "transform", "data": {"mapping": {"a": "b"}}}],
         "edges": [{"source": "start", "target": "t"}]}
agent = call("POST", "/agents", {"name": "Seed agent", "definition": graph})
first = call("POST", f"/agents/{agent['id']}/publish", {"tags": ["ai"], "description": "The first listing"})
db = sqlite3.connect(path, timeout=30)
row = db.execute("SELECT * FROM mk_listings WHERE id = ?", (first["integration_id"],)).fetchone()
columns = [c[0] for c in db.execute("SELECT * FROM mk_listings LIMIT 0").description]
version = db.execute("SELECT * FROM mk_versions WHERE listing_id = ?", (first["integration_id"],)).fetchone()
words = ["support", "sales", "invoice", "research", "triage", "summary", "crm", "email", "legal", "hiring", "ops", "finance"]
tags = ["ai", "automation", "customer-support", "finance", "devops", "marketing", "hr", "data", "sales", "legal"]
random.seed(7)
for i in range(1, count):
    values = dict(zip(columns, row))
    lid = f"bench-{i:05d}"
    chosen = random.sample(tags, 3)
    pricing = random.choice(["free", "one_time", "subscription"])
    values.update(id=lid, agent_id=f"bench-agent-{i}", marketplace_agent_id=f"orchestrator-agent-{lid}",
                  name=f"{random.choice(words).title()} {random.choice(words)} agent {i}",
                  description=f"Handles {random.choice(words)} and {random.choice(words)} work for teams",
                  tags=json.dumps(chosen), pricing_type=pricing, price_cents=0 if pricing == "free" else random.randint(100, 9999),
                  billing_interval="monthly" if pricing == "subscription" else None, downloads=random.randint(0, 5000),
                  rating_sum=random.randint(0, 500), rating_count=random.randint(0, 100),
                  published_at=f"2026-{random.randint(1, 11):02d}-{random.randint(1, 28):02d}T10:00:00Z")
    if values["rating_count"] == 0: values["rating_sum"] = 0
    values["search_text"] = "\n".join([values["name"], values["description"]] + chosen).lower()
    db.execute(f"INSERT INTO mk_listings ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
               [values[c] for c in columns])
    db.executemany("INSERT INTO mk_listing_tags (listing_id, tag, status, pricing_type, framework) VALUES (?, ?, ?, ?, ?)",
                   [(lid, t, "published", pricing, values["framework"]) for t in chosen])
    db.execute("INSERT INTO mk_versions (listing_id, number, agent_version, bundle, needs, digest, published_at) "
               "VALUES (?, 1, ?, ?, ?, ?, ?)", (lid, *version[2:7]))
db.commit()
print(first["integration_id"])
PY
)
auth=(-H "Authorization: Bearer $token")
read -r page_rps page_p50 page_p99 page_errors < <(wrk_figures "$api/marketplace/listings?sort=newest" "$duration" "${auth[@]}")
read -r search_rps search_p50 search_p99 search_errors < <(wrk_figures "$api/marketplace/listings?search=invoice&sort=downloads" "$duration" "${auth[@]}")
read -r tags_rps tags_p50 tags_p99 tags_errors < <(wrk_figures "$api/marketplace/listings?tags=ai,finance&pricing_type=subscription&sort=rating" "$duration" "${auth[@]}")
read -r detail_rps detail_p50 detail_p99 detail_errors < <(wrk_figures "$api/marketplace/listings/$listing" "$duration" "${auth[@]}")
# The same searches from 4 connections: each request's own time, not 64 requests queued on 2 cores.
read -r search4_rps search4_p50 search4_p99 _ < <(WRK_CONNECTIONS=4 wrk_figures "$api/marketplace/listings?search=invoice&sort=downloads" "$duration" "${auth[@]}")
read -r tags4_rps tags4_p50 tags4_p99 _ < <(WRK_CONNECTIONS=4 wrk_figures "$api/marketplace/listings?tags=ai,finance&pricing_type=subscription&sort=rating" "$duration" "${auth[@]}")

cat <<REPORT
marketplace benchmark ($(nproc) cores, $(date -u +%Y-%m-%dT%H:%M:%SZ), SQLite, $listings listings)
  wrk 2 threads, 64 connections, ${duration} s each (target: p99 under 20 ms):
    first page, newest          $page_rps requests/s, p50 $page_p50, p99 $page_p99, errors $page_errors
    search "invoice", downloads $search_rps requests/s, p50 $search_p50, p99 $search_p99, errors $search_errors
    2 tags + pricing, rating    $tags_rps requests/s, p50 $tags_p50, p99 $tags_p99, errors $tags_errors
    one listing's detail        $detail_rps requests/s, p50 $detail_p50, p99 $detail_p99, errors $detail_errors
  wrk 2 threads, 4 connections, ${duration} s each:
    search "invoice", downloads $search4_rps requests/s, p50 $search4_p50, p99 $search4_p99
    2 tags + pricing, rating    $tags4_rps requests/s, p50 $tags4_p50, p99 $tags4_p99
REPORT

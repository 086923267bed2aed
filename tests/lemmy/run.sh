#!/usr/bin/env bash
# Guildhall <-> a real Lemmy, built from source, on loopback.
#
# What it does
#   1. Builds Guildhall (`cargo build --release -p guildhall`) from this
#      checkout. Lemmy is not built here: bring your own lemmy_server 0.19.20
#      (LEMMY_BIN), a debug build made as Lemmy's own development docs say.
#      Only a debug build lets Lemmy federate with plain-http loopback peers,
#      as its own federation tests do. (This repository keeps no recipe for
#      building other projects' code.)
#   2. Creates two PostgreSQL databases on the machine's server ($PGURL),
#      starts Lemmy on lemmy.test:8536 and Guildhall on guildhall.test:8090
#      (both names must resolve to 127.0.0.1: see below), each with its own
#      admin account.
#   3. Does the exchange with curl and prints PASS/FAIL per step:
#        - a Lemmy user follows a Guildhall group (and retries once: see
#          docs/FEDERATION.md, "A Lemmy user's first follow ... may wait");
#        - a Guildhall thread reaches Lemmy; Lemmy comments and upvotes it;
#          the comment and the vote reach Guildhall;
#        - Guildhall replies to and upvotes the Lemmy comment; both reach Lemmy;
#        - a Guildhall member joins a Lemmy community; a Lemmy post there
#          reaches Guildhall; the member comments and votes on it; both
#          reach Lemmy;
#        - nothing queued at Guildhall for Lemmy was refused (the admin
#          API's last_error for the Lemmy instance stays empty), and Lemmy's
#          log shows no refused activity from Guildhall.
#   4. Stops both servers (the databases stay, for a look afterwards).
#
# Requirements
#   - LEMMY_BIN: the path of a debug lemmy_server 0.19.20.
#   - Rust (stable), curl, jq, psql; a PostgreSQL server reachable as $PGURL
#     by a role that may create databases.
#   - /etc/hosts lines (the script adds them when run as root):
#         127.0.0.1 lemmy.test guildhall.test
#     Two names, not `localhost` for both: Lemmy compares hosts without their
#     port, and would take the other server's actors for its own.
#
# Usage
#   LEMMY_BIN=/path/to/lemmy_server tests/lemmy/run.sh
#   SKIP_BUILD=1 LEMMY_BIN=... tests/lemmy/run.sh   # reuse Guildhall's release build
#   GUILDHALL_BIN=target/debug/guildhall LEMMY_BIN=... tests/lemmy/run.sh   # any build of ours
#   WORK=/some/dir PGURL=postgres://postgres@127.0.0.1:5432 LEMMY_BIN=... tests/lemmy/run.sh
#
# Exit status: 0 when every step passed, 1 otherwise. Logs: $WORK/*.log.
set -uo pipefail

LEMMY_BIN=${LEMMY_BIN:?set LEMMY_BIN to a debug lemmy_server 0.19.20 (see the top of this script)}
HERE=$(cd "$(dirname "$0")/../.." && pwd)
WORK=${WORK:-$HERE/target/lemmy-interop}
PGURL=${PGURL:-postgres://postgres@127.0.0.1:5432}
LEMMY_HOST=lemmy.test:8536
GH_HOST=guildhall.test:8090
LEMMY=http://$LEMMY_HOST
GH=http://$GH_HOST
PASSWORD=interop-password-1
FAILED=0
PIDS=()

mkdir -p "$WORK"
log() { printf '== %s\n' "$*"; }
pass() { printf 'PASS  %s\n' "$*"; }
fail() { printf 'FAIL  %s\n' "$*"; FAILED=1; }
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; }
trap cleanup EXIT

# Polls a command (a string for eval) until it succeeds, up to $2 seconds.
wait_for() {
  local what=$1 secs=$2 cmd=$3
  for _ in $(seq 1 "$secs"); do
    if eval "$cmd" >/dev/null 2>&1; then return 0; fi
    sleep 1
  done
  echo "   (gave up waiting for: $what)"
  return 1
}
step() { # step "description" seconds 'command'
  if wait_for "$1" "$2" "$3"; then pass "$1"; else fail "$1"; fi
}

[ -x "$LEMMY_BIN" ] || { echo "LEMMY_BIN ($LEMMY_BIN) is not an executable"; exit 1; }
for tool in curl jq psql cargo; do
  command -v $tool >/dev/null || { echo "missing: $tool"; exit 1; }
done
for name in lemmy.test guildhall.test; do
  if ! getent hosts $name | grep -q 127.0.0.1; then
    if [ "$(id -u)" = 0 ]; then
      echo "127.0.0.1 $name" >>/etc/hosts
    else
      echo "add '127.0.0.1 lemmy.test guildhall.test' to /etc/hosts first"; exit 1
    fi
  fi
done

# --- 1. Build Guildhall --------------------------------------------------------
GUILDHALL_BIN=${GUILDHALL_BIN:-$HERE/target/release/guildhall}
if [ -z "${SKIP_BUILD:-}" ] && [ "$GUILDHALL_BIN" = "$HERE/target/release/guildhall" ]; then
  log "building Guildhall"
  (cd "$HERE" && cargo build --release -p guildhall) >"$WORK/guildhall-build.log" 2>&1 \
    || { echo "Guildhall build failed: $WORK/guildhall-build.log"; exit 1; }
fi

# --- 2. Start -----------------------------------------------------------------
for db in lemmy_interop guildhall_interop; do
  psql "$PGURL/postgres" -qc "DROP DATABASE IF EXISTS $db" && psql "$PGURL/postgres" -qc "CREATE DATABASE $db" \
    || { echo "cannot create database $db at $PGURL"; exit 1; }
done

cat >"$WORK/lemmy.hjson" <<EOF
{
  hostname: "$LEMMY_HOST"
  bind: "127.0.0.1"
  port: 8536
  tls_enabled: false
  setup: {
    admin_username: "lemmy_admin"
    admin_password: "$PASSWORD"
    site_name: "lemmy-interop"
  }
}
EOF
log "starting Lemmy on $LEMMY"
# LEMMY_TEST_FAST_FEDERATION: Lemmy's outgoing queue otherwise waits
# 30 s - 5 min between rounds.
LEMMY_CONFIG_LOCATION="$WORK/lemmy.hjson" LEMMY_DATABASE_URL="$PGURL/lemmy_interop" \
  LEMMY_TEST_FAST_FEDERATION=1 RUST_LOG="warn,lemmy_apub=info,lemmy_federate=info,activitypub_federation=info" \
  "$LEMMY_BIN" >"$WORK/lemmy.log" 2>&1 &
PIDS+=($!)

cat >"$WORK/guildhall.toml" <<EOF
[instance]
domain = "$GH_HOST"
https = false
[server]
listen = "127.0.0.1:8090"
[database]
url = "$PGURL/guildhall_interop"
[federation]
# Both servers are on loopback.
allow_private_addresses = true
retry_base_secs = 1.0
retry_cap_secs = 10.0
EOF
log "starting Guildhall on $GH"
RUST_LOG="info" "$GUILDHALL_BIN" --config "$WORK/guildhall.toml" serve >"$WORK/guildhall.log" 2>&1 &
PIDS+=($!)

step "Lemmy answers" 120 "curl -sf $LEMMY/api/v3/site"
step "Guildhall answers" 60 "curl -sf $GH/healthz"

# Accounts.
LJWT=$(curl -sf -X POST "$LEMMY/api/v3/user/login" -H 'content-type: application/json' \
  -d "{\"username_or_email\":\"lemmy_admin\",\"password\":\"$PASSWORD\"}" | jq -r .jwt)
[ -n "$LJWT" ] && [ "$LJWT" != null ] && pass "Lemmy login" || fail "Lemmy login"
GTOK=$(curl -sf -X POST "$GH/api/v1/auth/register" -H 'content-type: application/json' \
  -d "{\"username\":\"gina\",\"password\":\"$PASSWORD\"}" | jq -r .token)
[ -n "$GTOK" ] && [ "$GTOK" != null ] && pass "Guildhall account" || fail "Guildhall account"

lemmy() { # lemmy METHOD PATH [JSON]
  curl -s -X "$1" "$LEMMY/api/v3$2" -H "authorization: Bearer $LJWT" -H 'content-type: application/json' ${3:+-d "$3"}
}
gh() { # gh METHOD PATH [JSON]
  curl -s -X "$1" "$GH/api/v1$2" -H "authorization: Bearer $GTOK" -H 'content-type: application/json' ${3:+-d "$3"}
}
# A Guildhall write whose answer must be a success; a refused one is a FAIL
# of the script itself (a later check could otherwise pass without it).
gh_write() { # gh_write "description" METHOD PATH [JSON]
  local what=$1 code
  code=$(curl -s -o /dev/null -w '%{http_code}' -X "$2" "$GH/api/v1$3" -H "authorization: Bearer $GTOK" \
    -H 'content-type: application/json' ${4:+-d "$4"})
  [ "$code" -lt 300 ] && pass "$what ($code)" || fail "$what: Guildhall answered $code"
}

# --- 3a. A Lemmy user follows a Guildhall group ----------------------------------
gh POST /groups '{"name":"support","title":"Support"}' >/dev/null
COMMUNITY_ID=""
resolve_group() {
  COMMUNITY_ID=$(lemmy GET "/resolve_object?q=$(printf '!support@%s' "$GH_HOST" | jq -sRr @uri)" | jq -r '.community.community.id // empty')
  [ -n "$COMMUNITY_ID" ]
}
step "Lemmy resolves !support@$GH_HOST" 30 resolve_group
lemmy POST /community/follow "{\"community_id\":$COMMUNITY_ID,\"follow\":true}" >/dev/null
followed() { [ "$(gh GET /groups/support | jq -r .member_count)" -ge 2 ]; }
if ! wait_for "the first follow" 20 followed; then
  echo "   first follow did not arrive (Lemmy skips what it queued before its sender for a new"
  echo "   instance started); following again, as docs/FEDERATION.md says"
  lemmy POST /community/follow "{\"community_id\":$COMMUNITY_ID,\"follow\":false}" >/dev/null
  sleep 2
  lemmy POST /community/follow "{\"community_id\":$COMMUNITY_ID,\"follow\":true}" >/dev/null
fi
step "the Lemmy user is a member of the Guildhall group" 60 followed
step "Lemmy sees the follow accepted" 60 \
  "[ \"\$(lemmy GET '/community?id=$COMMUNITY_ID' | jq -r .community_view.subscribed)\" = Subscribed ]"

# --- 3b. Guildhall thread -> Lemmy; Lemmy comment and vote -> Guildhall ---------------
THREAD=$(gh POST /groups/support/threads '{"title":"Printer jams on duplex","body":"Which tray?"}' | jq -r .id)
POST_ID=""
lemmy_post() {
  POST_ID=$(lemmy GET "/post/list?community_id=$COMMUNITY_ID&sort=New" | jq -r '.posts[] | select(.post.name=="Printer jams on duplex") | .post.id' | head -1)
  [ -n "$POST_ID" ]
}
step "the Guildhall thread reaches Lemmy" 60 lemmy_post
CREPLY=$(lemmy POST /comment "{\"post_id\":${POST_ID:-0},\"content\":\"Tray 2, from Lemmy\"}" | jq -r '.comment_view.comment.id')
lemmy POST /post/like "{\"post_id\":${POST_ID:-0},\"score\":1}" >/dev/null
step "the Lemmy comment reaches Guildhall" 60 \
  "gh GET /threads/$THREAD/replies | jq -e '.replies[] | select(.body | contains(\"from Lemmy\"))'"
step "the Lemmy upvote reaches Guildhall" 60 "[ \"\$(gh GET /threads/$THREAD | jq -r .score)\" = 1 ]"

# --- 3c. Guildhall reply and vote on the Lemmy comment -> Lemmy ------------------------
GREPLY_PARENT=$(gh GET /threads/$THREAD/replies | jq -r '.replies[] | select(.body | contains("from Lemmy")) | .id' | head -1)
gh_write "Guildhall replies to the Lemmy comment" POST /threads/$THREAD/replies \
  "{\"body\":\"Thanks, from Guildhall\",\"parent_id\":${GREPLY_PARENT:-null}}"
gh_write "Guildhall upvotes the Lemmy comment" PUT /replies/${GREPLY_PARENT:-0}/vote '{"value":1}'
step "the Guildhall reply reaches Lemmy" 60 \
  "lemmy GET '/comment/list?post_id=${POST_ID:-0}&type_=All' | jq -e '.comments[] | select(.comment.content | contains(\"from Guildhall\"))'"
step "the Guildhall upvote on the Lemmy comment reaches Lemmy" 60 \
  "[ \"\$(lemmy GET '/comment?id=${CREPLY:-0}' | jq -r .comment_view.counts.upvotes)\" -ge 2 ]"

# --- 3d. A Guildhall member joins a Lemmy community ------------------------------------
lemmy POST /community '{"name":"lemmy_group","title":"Lemmy group"}' >/dev/null
LOCAL_NAME=$(gh POST /groups/lookup "{\"query\":\"!lemmy_group@$LEMMY_HOST\"}" | jq -r .name)
[ -n "$LOCAL_NAME" ] && [ "$LOCAL_NAME" != null ] && pass "Guildhall finds !lemmy_group@$LEMMY_HOST" \
  || fail "Guildhall finds !lemmy_group@$LEMMY_HOST"
gh POST "/groups/$LOCAL_NAME/join" '{}' >/dev/null
step "the Lemmy community accepts the Guildhall member" 60 \
  "[ \"\$(gh GET /groups/$LOCAL_NAME | jq -r .joined)\" = true ]"
LCOMMUNITY=$(lemmy GET "/community?name=lemmy_group" | jq -r .community_view.community.id)
LPOST=$(lemmy POST /post "{\"community_id\":${LCOMMUNITY:-0},\"name\":\"Label printers and CUPS\",\"body\":\"Which one?\"}" | jq -r .post_view.post.id)
GTHREAD=""
gh_thread() {
  GTHREAD=$(gh GET "/groups/$LOCAL_NAME/threads?sort=new" | jq -r '.threads[] | select(.title=="Label printers and CUPS") | .id' | head -1)
  [ -n "$GTHREAD" ]
}
step "the Lemmy post reaches Guildhall" 60 gh_thread
gh_write "Guildhall comments on the Lemmy post" POST "/threads/${GTHREAD:-0}/replies" '{"body":"The Brother ones, from Guildhall"}'
gh_write "Guildhall upvotes the Lemmy post" PUT "/threads/${GTHREAD:-0}/vote" '{"value":1}'
step "the Guildhall comment in the Lemmy community reaches Lemmy" 60 \
  "lemmy GET '/comment/list?post_id=${LPOST:-0}&type_=All' | jq -e '.comments[] | select(.comment.content | contains(\"Brother\"))'"
step "the Guildhall upvote in the Lemmy community reaches Lemmy" 60 \
  "[ \"\$(lemmy GET '/post?id=${LPOST:-0}' | jq -r .post_view.counts.upvotes)\" -ge 2 ]"

# --- 3e. Nothing refused ----------------------------------------------------------------
# Guildhall's admin API (gina registered first: she is the admin).
LERR=$(gh GET /admin/federation/instances | jq -r ".instances[] | select(.domain==\"$LEMMY_HOST\") | .last_error // empty")
[ -z "$LERR" ] && pass "Guildhall's deliveries to Lemmy had no error" || fail "Guildhall's last error for Lemmy: $LERR"
if grep -E "(400 Bad Request|data did not match any variant|Duplicate activity)" "$WORK/lemmy.log" | grep -qi "$GH_HOST"; then
  fail "Lemmy refused something from Guildhall (see $WORK/lemmy.log)"
else
  pass "Lemmy's log shows no refused activity from Guildhall"
fi
if grep -q '"type":"Offer"' "$WORK/lemmy.log"; then
  fail "an attestation Offer reached Lemmy"
else
  pass "no attestation Offer reached Lemmy"
fi

echo
if [ $FAILED = 0 ]; then echo "ALL PASSED"; else echo "SOME STEPS FAILED (logs in $WORK)"; fi
exit $FAILED

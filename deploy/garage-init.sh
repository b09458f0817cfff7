#!/bin/sh
# Idempotent: a second run (compose up again) changes nothing.
set -eu
export GARAGE_CONFIG_FILE=/etc/garage.toml
for attempt in $(seq 1 30); do
    garage status >/dev/null 2>&1 && break
    sleep 1
done
node_id=$(garage node id -q | cut -d@ -f1)
if ! garage layout show | grep -q "$(echo "$node_id" | cut -c1-16)"; then
    garage layout assign -z dc1 -c 10G "$node_id"
    garage layout apply --version 1
fi
garage bucket info "$WAVEHUB_BUCKET" >/dev/null 2>&1 || garage bucket create "$WAVEHUB_BUCKET"
garage key info "$AWS_ACCESS_KEY_ID" >/dev/null 2>&1 || garage key import --yes -n wavehub "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY"
garage bucket allow --read --write --owner "$WAVEHUB_BUCKET" --key "$AWS_ACCESS_KEY_ID"

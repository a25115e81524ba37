#!/usr/bin/env bash
# Bounded pod churn for xwing (k8s/churn.ts; -h lists the options), run by the project's Node 24
# (make node) whatever node the shell has.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
exec "$here/../.tools/node/bin/node" "$here/churn.ts" "$@"

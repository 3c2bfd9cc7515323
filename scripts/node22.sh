#!/usr/bin/env bash
# The Node 22 binary (scripts/node.sh 22): the runtime of the interop tools and of the suites in CI.
# Kept for the scripts and tests that call it by this name. NODE22_SPEC / NODE22_MIN as in node.sh.
exec "$(dirname "${BASH_SOURCE[0]}")/node.sh" 22

#!/usr/bin/env bash
# The fork's patch series as a git repository, for adding a change or
# moving to a new upstream version (../PATCHES.md, "Maintaining the fork").
#
#   series.sh repo DIR     DIR becomes a git repository: pristine
#                          gopher-lua v1.1.2 (tag v1.1.2) and one commit per
#                          patch file here, in order.
#   series.sh export DIR   writes DIR's commits after v1.1.2 back as the
#                          patch files here (the old ones are replaced).
#
# The check that the series yields the fork is `go test` in this directory.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
version=v1.1.2
export GIT_AUTHOR_NAME=mailexpect GIT_AUTHOR_EMAIL=mailexpect@invalid
export GIT_COMMITTER_NAME=mailexpect GIT_COMMITTER_EMAIL=mailexpect@invalid

case "${1:-}" in
repo)
  dir="${2:?series.sh repo DIR}"
  src=$(cd "$(mktemp -d)" && GOFLAGS=-mod=mod go mod download -json "github.com/yuin/gopher-lua@$version" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -n "$src" ] || { echo "series.sh: go mod download gave no directory" >&2; exit 1; }
  mkdir -p "$dir"
  cp -r "$src/." "$dir/"
  chmod -R u+w "$dir"
  cd "$dir"
  git init -q
  git add -A
  GIT_AUTHOR_DATE=2026-01-01T00:00:00Z GIT_COMMITTER_DATE=2026-01-01T00:00:00Z \
    git commit -qm "gopher-lua $version as served by the Go module proxy"
  git tag "$version"
  git am -q --committer-date-is-author-date "$here"/[0-9][0-9][0-9][0-9]-*.patch
  git log --oneline "$version..HEAD"
  ;;
export)
  dir="${2:?series.sh export DIR}"
  rm -f "$here"/[0-9][0-9][0-9][0-9]-*.patch
  git -C "$dir" format-patch -q -N --zero-commit --no-signature -o "$here" "$version..HEAD"
  ls "$here"/*.patch
  ;;
*)
  sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
  ;;
esac

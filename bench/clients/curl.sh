#!/usr/bin/env bash
# The curl clients. "prepare" writes a curl config (-K) file, untimed;
# "run" is the timed part: exec curl -K, so the measured process is curl.
#
#   curl.sh prepare W1 CFG POP3ADDR OUTFILE   RETR 1 of user big (curl unstuffs)
#   curl.sh prepare W2 CFG POP3ADDR N         N x NOOP (-X NOOP -I) on one reused connection
#   curl.sh prepare W3 CFG POP3ADDR BOXES K   per box: STAT, UIDL, DELE 1..K (QUIT when curl
#                                             closes the connection)
#   curl.sh prepare W4 CFG SMTPADDR N MSGFILE N x (MAIL, RCPT, DATA) with --next, one connection
#   curl.sh run CFG
set -euo pipefail
if [ "$1" = run ]; then exec curl -K "$2"; fi
[ "$1" = prepare ] || { echo "usage: curl.sh prepare W CFG ... | run CFG" >&2; exit 2; }
w=$2 cfg=$3 addr=$4
{
  echo 'silent'
  echo 'show-error'
  echo 'fail'
  case $w in
  W1)
    printf 'url = "pop3://%s/1"\nuser = "big:pw"\noutput = "%s"\n' "$addr" "$5" ;;
  W2)
    for ((i = 0; i < $5; i++)); do
      [ $i -gt 0 ] && echo 'next'
      printf 'url = "pop3://%s/"\nuser = "noop:pw"\nrequest = "NOOP"\nhead\n' "$addr"
    done ;;
  W3)
    first=1
    for ((b = 0; b < $5; b++)); do
      [ $first = 1 ] || echo 'next'; first=0
      printf 'url = "pop3://%s/"\nuser = "box%d:pw"\nrequest = "STAT"\nhead\n' "$addr" $b
      printf 'next\nurl = "pop3://%s/"\nuser = "box%d:pw"\nrequest = "UIDL"\noutput = "/dev/null"\n' "$addr" $b
      for ((i = 1; i <= $6; i++)); do
        printf 'next\nurl = "pop3://%s/%d"\nuser = "box%d:pw"\nrequest = "DELE"\nhead\n' "$addr" $i $b
      done
    done ;;
  W4)
    for ((i = 0; i < $5; i++)); do
      [ $i -gt 0 ] && echo 'next'
      printf 'url = "smtp://%s/client.example"\nmail-from = "bench@example.com"\nmail-rcpt = "user@example.com"\nupload-file = "%s"\n' "$addr" "$6"
    done ;;
  *) echo "curl.sh: no $w" >&2; exit 2 ;;
  esac
} > "$cfg"

#!/usr/bin/env bash
# Install the real services the integration tests start: PostgreSQL, Dovecot, an SMTP server,
# and an S3-compatible server. Idempotent and non-interactive; needs root (or sudo) for apt.
set -euo pipefail

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

need_apt=()
command -v pg_ctl >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || need_apt+=(postgresql)
# Mail: Dovecot (IMAP + LMTP) and Postfix (SMTP, delivering to Dovecot over LMTP).
[ -x /usr/sbin/dovecot ] || need_apt+=(dovecot-imapd dovecot-lmtpd)
[ -e /usr/lib/dovecot/lmtp ] || need_apt+=(dovecot-lmtpd)
[ -x /usr/lib/postfix/sbin/master ] || need_apt+=(postfix)

if [ ${#need_apt[@]} -gt 0 ]; then
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
fi

# S3: moto's server, an S3-compatible endpoint the blob-store tests start on a free port.
command -v moto_server >/dev/null 2>&1 || python3 -m pip install --quiet --disable-pip-version-check 'moto[server]'
command -v pyenv >/dev/null 2>&1 && pyenv rehash || true

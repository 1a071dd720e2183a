#!/usr/bin/env bash
# Refresh the Simplified Chinese catalog: extract strings from templates and Python
# (makemessages merges them into locale/zh_Hans/LC_MESSAGES/django.po, keeping every existing
# translation), compile django.mo, then report what still needs a translator.
#
#   bash scripts/translations.sh
#
# New strings arrive untranslated; strings whose English changed slightly arrive as "fuzzy"
# (Django ignores fuzzy entries at runtime). Translate both in the .po file and run this again.
# Needs a database URL only because settings require one; nothing connects to it.
set -euo pipefail
cd "$(dirname "$0")/.."

export DEBUG="${DEBUG:-true}"
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"

PO=locale/zh_Hans/LC_MESSAGES/django.po
IGNORE=(--ignore=.venv --ignore=var --ignore=test-artifacts --ignore=tests --ignore=bench)

mkdir -p "$(dirname "$PO")"
.venv/bin/python manage.py makemessages -l zh_Hans "${IGNORE[@]}" --no-obsolete
# No JavaScript uses gettext: scripts take their texts from data-* attributes of the templates.

msgfmt --check-format -o /dev/null "$PO"
.venv/bin/python manage.py compilemessages -l zh_Hans --ignore=.venv

untranslated=$(msgattrib --untranslated --no-obsolete "$PO" | grep -c '^msgid ' || true)
fuzzy=$(msgattrib --only-fuzzy --no-obsolete "$PO" | grep -c '^msgid ' || true)
# Both counts include the header entry when anything is listed.
[ "$untranslated" -gt 0 ] && untranslated=$((untranslated - 1))
[ "$fuzzy" -gt 0 ] && fuzzy=$((fuzzy - 1))
echo "Untranslated strings: $untranslated"
echo "Fuzzy strings (need review): $fuzzy"
if [ "$untranslated" -gt 0 ] || [ "$fuzzy" -gt 0 ]; then
    echo "List them with: msgattrib --untranslated $PO ; msgattrib --only-fuzzy $PO"
fi

# shellcheck shell=bash
# Sourced by scripts/test and scripts/demo (from the repository root): make sure
# .venv exists and holds an editable install of elicense with the dev extras.
#
# The install is skipped when pyproject.toml is unchanged since the last successful
# install: .venv/.elicense-install-stamp holds pyproject.toml's sha256 (plus the
# install spec and the interpreter version). Delete the stamp to force a reinstall.

ELICENSE_VENV=.venv
ELICENSE_INSTALL_SPEC='.[dev]'

elicense_venv() {
    local venv=$ELICENSE_VENV
    local stamp="$venv/.elicense-install-stamp"
    local want

    if ! "$venv/bin/python" -c '' >/dev/null 2>&1; then
        if ! command -v python3 >/dev/null 2>&1; then
            echo "scripts: python3 not found; install Python 3.11 or newer" >&2
            return 1
        fi
        if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
            echo "scripts: elicense needs Python >= 3.11; python3 is $(python3 -V 2>&1)" >&2
            return 1
        fi
        if [ -e "$venv" ]; then
            echo "scripts: $venv is broken (no working $venv/bin/python); recreating it" >&2
            rm -rf -- "$venv"
        fi
        echo "scripts: creating $venv with $(python3 -V 2>&1) ($(command -v python3))" >&2
        # Debian's python3 needs the python3-venv package for this; without it venv
        # leaves a half-made directory behind, so clean that up.
        if ! python3 -m venv "$venv"; then
            rm -rf -- "$venv"
            echo "scripts: 'python3 -m venv' failed. On Debian/Ubuntu: apt-get install python3-venv" >&2
            return 1
        fi
    fi

    want=$("$venv/bin/python" - "$ELICENSE_INSTALL_SPEC" <<'PY'
import hashlib, sys
with open("pyproject.toml", "rb") as f:
    digest = hashlib.sha256(f.read()).hexdigest()
print(digest, sys.argv[1], sys.version.split()[0])
PY
    ) || return 1

    if [ -f "$stamp" ] && [ "$(cat -- "$stamp")" = "$want" ]; then
        return 0
    fi

    echo "scripts: pip install -e '$ELICENSE_INSTALL_SPEC' into $venv (first run, or pyproject.toml changed)" >&2
    rm -f -- "$stamp"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
        --editable "$ELICENSE_INSTALL_SPEC" || {
        echo "scripts: pip install failed (see above)" >&2
        return 1
    }
    printf '%s\n' "$want" >"$stamp"
}

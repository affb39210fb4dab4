# The two commands every newcomer needs are the first two targets: `make run`, `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat requirements/base.txt requirements/dev.txt pyproject.toml | sha256sum | cut -c1-12)
# PostgreSQL for the second run of the suite; the database is created by the test runner.
PG_URL ?= postgres://postgres@127.0.0.1:5432/waystation
# pytest-xdist workers for the full runs. More than the cores: the slow tests spend most of
# their time waiting on the servers and agents they start, not on the CPU.
TEST_WORKERS ?= 4

.PHONY: run test test-fast lint typecheck test-sqlite test-postgres bench install lock messages clean

run: $(STAMP)
	$(BIN)/waystation demo serve

test: lint typecheck test-sqlite test-postgres

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy src bench

# The suite keeps its compiled modules even where the shell says not to write bytecode:
# every xdist worker imports (and pytest rewrites the asserts of) all 480 test modules,
# 13.3 s of CPU per worker without the cache, 7.6 s with it.
PYTEST := env -u PYTHONDONTWRITEBYTECODE $(BIN)/pytest

# The loop while editing: SQLite only, without the slow and browser tests.
test-fast: $(STAMP)
	env -u DATABASE_URL $(PYTEST) -q -n auto -m "not slow and not browser"

test-sqlite: $(STAMP)
	env -u DATABASE_URL $(PYTEST) -n $(TEST_WORKERS)

test-postgres: $(STAMP)
	DATABASE_URL=$(PG_URL) $(PYTEST) -n $(TEST_WORKERS)

bench: $(STAMP)
	$(BIN)/python -m bench

install: $(STAMP)

$(STAMP): requirements/base.txt requirements/dev.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes -r requirements/base.txt
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements/dev.txt
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	rm -f $(VENV)/.installed-*
	touch $@

# Re-pin after editing requirements/*.in (needs `uv` on the developer's machine).
lock:
	cd requirements && uv pip compile -q --python-version 3.11 --generate-hashes base.in -o base.txt
	cd requirements && uv pip compile -q --python-version 3.11 --generate-hashes dev.in -o dev.txt

# Two catalogues (docs/translating.md). The applicants' one, src/waystation/locale (ru,
# ar, fa, fr, es, tr, uk; ar and fa right to left), holds the public pages and the
# replies screeners send, and nothing of the staff side: the public process loads it
# alone. The staff one, src/waystation/locale_staff (en, ru), holds the staff pages;
# STAFF_NOT_YET are the staff apps and templates not yet marked for translation (a
# later round empties it, together with NOT_YET in tests/accounts/test_staff_in_russian.py).
# The intake app is the applicants' (its public pages, models and forms, and `replies`:
# what screeners send in the applicant's language), except INTAKE_STAFF: the screeners'
# modules and templates, which only the staff process loads
# (tests/intake/test_languages.py holds both to it).
INTAKE_STAFF := intake/views.py intake/urls.py intake/screening.py intake/selectors.py \
	intake/staff_forms.py templates/intake/staff
INTAKE_PUBLIC := $(filter-out $(INTAKE_STAFF),\
	$(patsubst src/waystation/%,%,$(wildcard src/waystation/intake/*)))
STAFF_ONLY := accounts api audit backups cases demo documentation dossiers home partners relocation \
	status vault web \
	templates/accounts templates/api templates/registration templates/vault \
	templates/waystation templates/base.html templates/partners \
	templates/cases templates/relocation templates/status templates/documentation \
	templates/dossiers locale_staff \
	$(INTAKE_STAFF)
PUBLIC_ONLY := $(INTAKE_PUBLIC) templates/intake/public locale
STAFF_NOT_YET :=
WAYSTATION := $(abspath $(BIN))/waystation
messages: $(STAMP)
	cd src/waystation && $(WAYSTATION) makemessages --settings waystation.settings_public \
		-l ru -l ar -l fa -l fr -l es -l tr -l uk --no-location \
		$(foreach d,$(STAFF_ONLY),--ignore='$(d)' --ignore='$(d)/*')
	cd src/waystation && $(WAYSTATION) makemessages --settings waystation.settings \
		-l ru --no-location \
		$(foreach d,$(PUBLIC_ONLY) $(STAFF_NOT_YET),--ignore='$(d)' --ignore='$(d)/*')
	for po in src/waystation/locale/*/LC_MESSAGES/django.po \
		src/waystation/locale_staff/*/LC_MESSAGES/django.po; do \
		msgfmt --check -o "$${po%.po}.mo" "$$po" || exit 1; done

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache .hypothesis

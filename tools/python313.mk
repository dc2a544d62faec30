# The one check that CPython 3.13, the Lambda runtime's Python, is at hand: included by the project's Makefile and
# by every function's and layer's Makefile (`sam build` runs those with `--makefile <path>`, so the include is
# found relative to the including file). PYTHON313 may be passed in; otherwise pyenv's 3.13, then python3.13.
PYTHON313 ?= $(firstword $(wildcard $(shell pyenv root 2>/dev/null)/versions/3.13*/bin/python3.13) $(shell command -v python3.13 2>/dev/null))

# Fails with a clear message unless $(PYTHON313) is CPython 3.13. Use as a recipe's first line: $(check_python313)
define check_python313
@test -n "$(PYTHON313)" && "$(PYTHON313)" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))' || { \
  echo "error: CPython 3.13 (the Lambda runtime's Python) is needed here and was not found." >&2; \
  echo "       Install it (pyenv install 3.13) or pass PYTHON313=/path/to/python3.13." >&2; exit 1; }
endef

"""The DynamoDB IAM actions a function's code can make, derived from its code rather than listed by hand.

Start from the function's handler module, take the layer modules it imports (transitively), and follow names:
every name the handler mentions reaches the functions and methods of that name in those modules, whose bodies
mention more names, and so on. Every DynamoDB client method mentioned on a client (`self._client.query`,
`client.batch_get_item`, `partial(self._client.query, ...)`) in a reached body is an action; a transaction's items
(`{"Put": ...}`, `{"ConditionCheck": ...}`) are the per-item actions IAM checks for `TransactWriteItems`.

Following names over-approximates (a `get` reaches every `get`), never under-approximates: a module cannot be
missed because nobody listed it. The client methods come from botocore's DynamoDB model, not from a list.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import botocore.session
from botocore import xform_name

ROOT = Path(__file__).resolve().parents[2]
LAYER = ROOT / "layers" / "scheduling"
PACKAGE = "scheduling"
# What IAM checks for an operation whose name is not itself an action.
TRANSACTION_ITEM_ACTIONS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}
NOT_AN_ACTION = {"TransactWriteItems", "TransactGetItems"}  # IAM checks the items' actions instead
ITEM_ACTION_OF_TRANSACT_GET = "GetItem"


@cache
def client_operations() -> dict[str, str]:
    """DynamoDB client method name -> API operation name (`batch_get_item` -> `BatchGetItem`)."""
    model = botocore.session.get_session().get_service_model("dynamodb")
    return {xform_name(operation): operation for operation in model.operation_names}


def module_file(module: str) -> Path | None:
    path = LAYER.joinpath(*module.split("."))
    if (path / "__init__.py").is_file():
        return path / "__init__.py"
    if path.with_suffix(".py").is_file():
        return path.with_suffix(".py")
    return None


def imported_modules(path: Path, package: str) -> set[str]:
    """Absolute names of the modules (and of the names, which may be submodules) that `path` imports."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            found |= {base, *(f"{base}.{alias.name}" for alias in node.names)}
    return found


def import_closure(handler: Path) -> list[Path]:
    """The handler and every layer module it imports, directly or not. A package's `__init__` counts where the code
    imports the package itself (`from scheduling.store import SchedulingStore`); importing a submodule runs its
    package's `__init__` too, but the importer cannot name what that defines, so it reaches nothing through it."""
    seen: dict[Path, str] = {}
    pending: list[tuple[Path, str]] = [(handler, "")]
    while pending:
        path, name = pending.pop()
        if path in seen:
            continue
        seen[path] = name
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for module in imported_modules(path, package):
            parts = module.split(".")
            if parts[0] != PACKAGE:
                continue
            found = module_file(module)
            if found and found not in seen:
                pending.append((found, module))
    return list(seen)


def names_in(node: ast.AST) -> set[str]:
    return {
        child.attr if isinstance(child, ast.Attribute) else child.id
        for child in ast.walk(node)
        if isinstance(child, ast.Attribute | ast.Name)
    }


def actions_in(body: ast.AST) -> set[str]:
    operations = client_operations()
    actions: set[str] = set()
    for node in ast.walk(body):
        if isinstance(node, ast.Attribute) and node.attr in operations and "client" in ast.unparse(node.value).lower():
            operation = operations[node.attr]
            if operation == "TransactGetItems":
                actions.add(ITEM_ACTION_OF_TRANSACT_GET)
            elif operation not in NOT_AN_ACTION:
                actions.add(operation)
        if isinstance(node, ast.Dict):
            actions |= {
                TRANSACTION_ITEM_ACTIONS[key.value]
                for key in node.keys
                if isinstance(key, ast.Constant) and key.value in TRANSACTION_ITEM_ACTIONS
            }
    return {f"dynamodb:{action}" for action in actions}


def dynamodb_actions_of(handler: Path) -> set[str]:
    """Every DynamoDB action the handler module can reach through the layer it imports."""
    definitions: dict[str, list[ast.AST]] = {}
    for module in import_closure(handler):
        for node in ast.walk(ast.parse(module.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                definitions.setdefault(node.name, []).append(node)
    tree = ast.parse(handler.read_text())
    reached: set[str] = set()
    pending = list(names_in(tree))
    actions = actions_in(tree)
    while pending:
        name = pending.pop()
        if name in reached:
            continue
        reached.add(name)
        for body in definitions.get(name, []):
            actions |= actions_in(body)
            pending += names_in(body)
    return actions


def modules_calling_dynamodb() -> set[Path]:
    """Every layer module that mentions a DynamoDB client method on a client (whoever imports it)."""
    return {path for path in (LAYER / PACKAGE).rglob("*.py") if actions_in(ast.parse(path.read_text()))}

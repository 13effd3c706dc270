"""Every manifest the chart renders checked the way an API server would check it, offline.

Built-in kinds: kubernetes-validate's bundled OpenAPI schemas of Kubernetes 1.30, strict (an
unknown field such as ``readinesProbe`` is an error, not silently dropped). Custom resources
(ServiceMonitor, PrometheusRule, ScaledObject, TriggerAuthentication): the openAPIV3Schema of
their CRD, vendored in crd_schemas/ (each file's ``$comment`` names its project, tag and path),
made strict the same way; their ``metadata`` goes through Kubernetes' own ObjectMeta schema.
A kind with neither schema is an error: nothing passes unchecked.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate

KUBERNETES_VERSION = "1.30.0"
CRD_SCHEMAS = Path(__file__).parent / "crd_schemas"


class ManifestInvalid(AssertionError):
    """A rendered manifest that the cluster would refuse."""


def crd_schema_path(manifest: dict[str, Any]) -> Path:
    """crd_schemas/<kind>-<group's first label>-<version>.json, kubernetes-validate's naming."""
    group_version = manifest["apiVersion"]
    group, _, version = group_version.rpartition("/")
    return CRD_SCHEMAS / f"{manifest['kind'].lower()}-{group.split('.')[0]}-{version}.json"


def validate(manifest: dict[str, Any]) -> str:
    """Raises ManifestInvalid naming the field; returns which schema checked the manifest."""
    where = f"{manifest.get('kind')} {manifest.get('metadata', {}).get('name')}"
    crd = crd_schema_path(manifest)
    try:
        if crd.exists():
            jsonschema.Draft7Validator(_strict_crd_schema(crd)).validate(manifest)
            _validate_builtin({"apiVersion": "v1", "kind": "ConfigMap", "metadata": manifest["metadata"]})
            return f"CRD schema {crd.name}"
        _validate_builtin(manifest)
        return f"Kubernetes {KUBERNETES_VERSION} (strict)"
    except jsonschema.ValidationError as exc:
        path = ".".join(str(p) for p in exc.absolute_path)
        raise ManifestInvalid(f"{where}: {path}: {exc.message}") from None
    except kubernetes_validate.SchemaNotFoundError as exc:
        raise ManifestInvalid(f"{where}: no schema: {exc.message}") from None


def _validate_builtin(manifest: dict[str, Any]) -> None:
    kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)


@functools.cache
def _strict_crd_schema(path: Path) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(path.read_text())
    _forbid_unknown_fields(schema)
    return schema


def _forbid_unknown_fields(schema: dict[str, Any]) -> None:
    """An object schema that lists its properties accepts no others (the API server's strict field
    validation), unless it keeps unknown fields on purpose (x-kubernetes-preserve-unknown-fields)."""
    properties = schema.get("properties", {})
    keeps_unknown = schema.get("x-kubernetes-preserve-unknown-fields")
    if properties and "additionalProperties" not in schema and not keeps_unknown:
        schema["additionalProperties"] = False
    nested = [*properties.values()] + [s for k in ("allOf", "anyOf", "oneOf") for s in schema.get(k, [])]
    nested += [schema[k] for k in ("items", "additionalProperties", "not") if isinstance(schema.get(k), dict)]
    for child in nested:
        _forbid_unknown_fields(child)

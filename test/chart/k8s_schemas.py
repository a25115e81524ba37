"""Writes kubeconform's "standalone-strict" JSON schemas from Kubernetes' own OpenAPI document.

Usage: k8s_schemas.py SWAGGER_JSON OUT_DIR [CRD_YAML ...]

kubeconform normally downloads these schemas; here nothing can be downloaded, but the OpenAPI
spec ships inside the k8s.io/kubernetes Go module (api/openapi-spec/swagger.json) and CRDs ship
in their operators' modules. Output names follow kubeconform's default template:
{kind}-{group prefix}-{version}.json, all $refs inlined, and additionalProperties false on
every object that lists its properties, so an unknown field is an error.
"""

import json
import os
import sys

import yaml


def kind_suffix(group, version):
    prefix = group.split(".")[0] if group else ""
    return f"-{prefix.lower()}-{version.lower()}" if prefix else f"-{version.lower()}"


def strictify(schema):
    if not isinstance(schema, dict):
        return schema
    out = dict(schema)
    if isinstance(out.get("properties"), dict):
        out["properties"] = {k: strictify(v) for k, v in out["properties"].items()}
    for key in ("items", "additionalProperties", "not"):
        if isinstance(out.get(key), dict):
            out[key] = strictify(out[key])
    for key in ("allOf", "anyOf", "oneOf"):
        if isinstance(out.get(key), list):
            out[key] = [strictify(s) for s in out[key]]
    if out.get("format") == "int-or-string" or out.get("x-kubernetes-int-or-string"):
        out.pop("format", None)
        out.pop("type", None)
        out["oneOf"] = [{"type": "string"}, {"type": "integer"}]
    if (
        "properties" in out
        and "additionalProperties" not in out
        and not out.get("x-kubernetes-preserve-unknown-fields")
    ):
        out["additionalProperties"] = False
    # An explicit null means "unset" to the API server, so it is accepted wherever a value is.
    if isinstance(out.get("type"), str) and out["type"] != "null":
        out["type"] = [out["type"], "null"]
    return out


def inline(node, definitions, stack):
    if isinstance(node, list):
        return [inline(n, definitions, stack) for n in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str):
        name = ref.split("/")[-1]
        if name in stack:
            # Recursive types (JSONSchemaProps) stay open below the first level.
            return {}
        target = dict(definitions[name])
        target.update({k: v for k, v in node.items() if k != "$ref"})
        return inline(target, definitions, stack | {name})
    return {k: inline(v, definitions, stack) for k, v in node.items()}


def write(out_dir, kind, group, version, schema):
    path = os.path.join(out_dir, f"{kind.lower()}{kind_suffix(group, version)}.json")
    with open(path, "w") as fh:
        json.dump(schema, fh)


def from_swagger(path, out_dir):
    with open(path) as fh:
        definitions = json.load(fh)["definitions"]
    count = 0
    for name, definition in definitions.items():
        for gvk in definition.get("x-kubernetes-group-version-kind", []):
            schema = strictify(inline(definition, definitions, {name}))
            write(out_dir, gvk["kind"], gvk["group"], gvk["version"], schema)
            count += 1
    return count


def from_crd(path, out_dir):
    count = 0
    with open(path) as fh:
        for crd in yaml.safe_load_all(fh):
            if not crd or crd.get("kind") != "CustomResourceDefinition":
                continue
            spec = crd["spec"]
            for version in spec["versions"]:
                schema = dict(version["schema"]["openAPIV3Schema"])
                props = dict(schema.get("properties", {}))
                props["apiVersion"] = {"type": "string", "enum": [f"{spec['group']}/{version['name']}"]}
                props["kind"] = {"type": "string", "enum": [spec["names"]["kind"]]}
                props["metadata"] = {"type": "object"}
                schema["properties"] = props
                write(out_dir, spec["names"]["kind"], spec["group"], version["name"], strictify(schema))
                count += 1
    return count


def main():
    swagger, out_dir, *crds = sys.argv[1:]
    os.makedirs(out_dir, exist_ok=True)
    count = from_swagger(swagger, out_dir)
    for crd in crds:
        count += from_crd(crd, out_dir)
    print(f"wrote {count} schemas to {out_dir}")


if __name__ == "__main__":
    main()

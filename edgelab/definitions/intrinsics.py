"""CloudFormation intrinsic functions, evaluated locally (facts §11.3).

``Ref`` (parameters, pseudo-parameters, resources), ``Fn::GetAtt``, ``Fn::Sub`` (both
forms), ``Fn::Join``, ``Fn::Select``, ``Fn::Split``, ``Fn::If`` with ``Conditions``
(``Fn::Equals``/``And``/``Or``/``Not``), ``Fn::FindInMap``, ``Fn::Base64``, ``Fn::GetAZs``,
``Fn::ToJsonString``, ``Fn::Length``, ``AWS::NoValue``; ``Fn::ImportValue`` and
``Fn::Cidr`` give a placeholder and a note.

Resources have no real ids or ARNs here, so ``Ref`` and ``Fn::GetAtt`` give documented
placeholders that look like the real thing and are remembered (``tokens``), so an
association can be followed back to the resource that made the value:

* Lambda functions (also SAM's): ``Ref`` = ``FunctionName`` or the logical id;
  ``Arn`` = ``arn:aws:lambda:REGION:ACCOUNT:function:NAME``;
* ``AWS::Lambda::Version`` (and SAM's ``!Ref Fn.Version``): ``Ref`` =
  ``arn:aws:lambda:REGION:ACCOUNT:function:NAME:N`` (N counts the function's versions);
* ``AWS::CloudFront::Function``: ``Ref``, ``FunctionARN``,
  ``FunctionMetadata.FunctionARN`` = ``arn:aws:cloudfront::ACCOUNT:function/NAME``;
* ``AWS::CloudFront::KeyValueStore``: ``Ref`` = ``Name``; ``Arn`` =
  ``arn:aws:cloudfront::ACCOUNT:key-value-store/LOGICALID``;
* ``AWS::S3::Bucket``: ``Ref`` = ``BucketName`` or the lower-cased logical id;
  ``DomainName``, ``RegionalDomainName``, ``WebsiteURL``, ``Arn`` built from it;
* ``AWS::CloudFront::Distribution``: ``DomainName`` = ``<logical id>.cloudfront.net``;
* policies (``Ref``, ``Id``) and any other ``Ref``: the logical id; any other
  ``Fn::GetAtt``: ``<LogicalId>.<Attribute>``, with a note.

Pseudo-parameters: ``AWS::Region`` = us-east-1, ``AWS::AccountId`` = 123456789012 (AWS's
documentation account), ``AWS::Partition`` = aws, ``AWS::URLSuffix`` = amazonaws.com,
``AWS::StackName`` = the template file name without ``.template.json``/``.yaml``; each
can be overridden with ``--parameter AWS::Region=eu-west-1``.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from typing import Any

from .decode import Loc, Node, NodeList, node_like
from .values import as_int, as_list, as_str

NOVALUE = object()
PSEUDO_DEFAULTS = {
    "AWS::Region": "us-east-1",
    "AWS::AccountId": "123456789012",
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
}
_SUB = re.compile(r"\$\{([^}]*)\}")


class Template:
    """One template's parameters, conditions, mappings and resources, and the evaluator."""

    def __init__(
        self, data: dict[str, Any], loc: Loc, parameters: dict[str, str], stack_name: str
    ) -> None:
        self.data = data
        self.loc = loc
        self.resources: dict[str, Any] = data.get("Resources") or {}
        self.mappings: dict[str, Any] = data.get("Mappings") or {}
        self.conditions: dict[str, Any] = data.get("Conditions") or {}
        self.given = dict(parameters)
        self.pseudo = {**PSEUDO_DEFAULTS, "AWS::StackName": stack_name}
        for key in list(self.given):
            if key in self.pseudo or key.startswith("AWS::"):
                self.pseudo[key] = self.given.pop(key)
        acct, region = self.pseudo["AWS::AccountId"], self.pseudo["AWS::Region"]
        self.pseudo.setdefault(
            "AWS::StackId",
            f"arn:aws:cloudformation:{region}:{acct}:stack/"
            f"{stack_name}/00000000-0000-0000-0000-000000000000",
        )
        self.tokens: dict[str, str] = {}
        self.notes: list[str] = []
        self._condition_values: dict[str, bool] = {}
        self._versions: dict[str, int] = {}
        self._version_of: dict[str, str] = {}
        self.globals = (data.get("Globals") or {}).get("Function") or {}

    # -- helpers ----------------------------------------------------------------------------
    @property
    def region(self) -> str:
        return self.pseudo["AWS::Region"]

    @property
    def account(self) -> str:
        return self.pseudo["AWS::AccountId"]

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def resource_loc(self, lid: str) -> Loc:
        return self.loc.at(self.resources, lid).named(lid)

    def rtype(self, lid: str) -> str:
        res = self.resources.get(lid)
        return res.get("Type", "") if isinstance(res, dict) else ""

    def exists(self, lid: str) -> bool:
        res = self.resources.get(lid)
        if not isinstance(res, dict):
            return False
        cond = res.get("Condition")
        return cond is None or self.condition(str(cond), self.resource_loc(lid))

    def props(self, lid: str) -> dict[str, Any]:
        res = self.resources[lid]
        props = res.get("Properties") or {}
        if res.get("Type") == "AWS::Serverless::Function" and self.globals:
            merged = node_like(props, dict(props))
            for key, value in self.globals.items():
                merged.setdefault(key, value)
            return merged
        return props

    def prop(self, lid: str, *keys: str, default: Any = None) -> Any:
        """A resolved property (``keys`` walk into nested maps)."""
        value: Any = self.props(lid)
        loc = self.resource_loc(lid).at(self.resources[lid], "Properties", "")
        for key in keys:
            if not isinstance(value, dict) or key not in value:
                return default
            loc = loc.at(value, key)
            value = value[key]
        out = self.resolve(value, loc)
        return default if out is NOVALUE else out

    def remember(self, token: str, lid: str) -> str:
        self.tokens.setdefault(token, lid)
        return token

    # -- parameters and conditions ----------------------------------------------------------
    def parameter(self, name: str, loc: Loc) -> Any:
        spec = (self.data.get("Parameters") or {}).get(name) or {}
        if name in self.given:
            value: Any = self.given[name]
        elif "Default" in spec:
            value = spec["Default"]
        else:
            raise loc.error(
                f"parameter {name!r} has no default; give it with --parameter {name}=VALUE"
            )
        ptype = str(spec.get("Type", "String"))
        allowed = spec.get("AllowedValues")
        if allowed and str(value) not in [str(a) for a in allowed]:
            raise loc.error(
                f"parameter {name} = {value!r} is not one of its AllowedValues "
                f"{[str(a) for a in allowed]}"
            )
        if ptype.startswith("AWS::SSM::Parameter::Value"):
            self.note(
                f"{loc}: parameter {name} is read from SSM ({value}) when deployed; "
                "edgelab uses that name as its value (--parameter to set it)"
            )
        if ptype in ("CommaDelimitedList", "List<Number>") or ptype.startswith("List<"):
            return (
                [v.strip() for v in str(value).split(",")]
                if isinstance(value, str)
                else list(value)
            )
        return (
            str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value
        )

    def condition(self, name: str, loc: Loc) -> bool:
        if name in self._condition_values:
            return self._condition_values[name]
        if name not in self.conditions:
            raise loc.error(f"condition {name!r} is not defined in Conditions")
        self._condition_values[name] = False  # a cycle reads as false, once
        value = self._truth(
            self.conditions[name], self.loc.at(self.conditions, name, f"Conditions.{name}")
        )
        self._condition_values[name] = value
        return value

    def _truth(self, expr: Any, loc: Loc) -> bool:
        if isinstance(expr, dict) and len(expr) == 1:
            ((key, arg),) = expr.items()
            aloc = loc.at(expr, key)
            if key == "Condition":
                return self.condition(as_str(arg, aloc), aloc)
            if key == "Fn::Equals":
                a, b = (self.resolve(x, aloc) for x in _pair(arg, aloc, key))
                return _text(a) == _text(b)
            if key == "Fn::Not":
                return not self._truth(as_list(arg, aloc)[0], aloc)
            if key == "Fn::And":
                return all(self._truth(x, aloc) for x in as_list(arg, aloc))
            if key == "Fn::Or":
                return any(self._truth(x, aloc) for x in as_list(arg, aloc))
        value = self.resolve(expr, loc)
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise loc.error(
            f"a condition must be Fn::Equals, Fn::And, Fn::Or, Fn::Not or a Condition; got {expr!r}"
        )

    # -- evaluation -------------------------------------------------------------------------
    def resolve(self, value: Any, loc: Loc) -> Any:
        """``value`` with every intrinsic function evaluated (lines kept)."""
        if isinstance(value, dict):
            if len(value) == 1:
                ((key, arg),) = value.items()
                if key == "Ref":
                    return self.ref(arg, loc.at(value, key))
                if isinstance(key, str) and key.startswith("Fn::"):
                    return self.function(key, arg, loc.at(value, key))
            out = node_like(value)
            for key, item in value.items():
                got = self.resolve(item, loc.at(value, key))
                if got is not NOVALUE:
                    out[key] = got
                    if isinstance(value, Node) and key in value.key_lines:
                        out.key_lines[key] = value.key_lines[key]
            return out
        if isinstance(value, list):
            items = NodeList(line=getattr(value, "line", None))
            lines = getattr(value, "item_lines", [])
            for i, item in enumerate(value):
                got = self.resolve(item, loc.at(value, i))
                if got is not NOVALUE:
                    items.append(got)
                    items.item_lines.append(lines[i] if i < len(lines) else None)
            return items
        return value

    def ref(self, name: Any, loc: Loc) -> Any:
        name = as_str(self.resolve(name, loc), loc)
        if name == "AWS::NoValue":
            return NOVALUE
        if name in self.pseudo:
            return self.pseudo[name]
        if name in (self.data.get("Parameters") or {}):
            return self.parameter(name, loc)
        if name in self.given:
            return self.given[name]
        if name in self.resources:
            if not self.exists(name):
                raise loc.error(f"Ref to {name}, whose Condition is false in this deployment")
            return self.resource_ref(name)
        base, _, suffix = name.rpartition(".")
        if suffix in ("Version", "Alias") and self.rtype(base) == "AWS::Serverless::Function":
            # SAM AutoPublishAlias: `!Ref Fn.Version` is the published version's ARN.
            return self.version_arn(base, name)
        raise loc.error(
            f"Ref to {name!r}, which is neither a parameter nor a resource of this template"
        )

    def function_name(self, lid: str) -> str:
        name = self.prop(lid, "FunctionName")
        return name if isinstance(name, str) and name else lid

    def function_arn(self, lid: str) -> str:
        return self.remember(
            f"arn:aws:lambda:{self.region}:{self.account}:function:{self.function_name(lid)}", lid
        )

    def version_arn(self, function_lid: str, token_lid: str) -> str:
        """The placeholder ARN of a published version (numbered per function)."""
        arn = (
            f"arn:aws:lambda:{self.region}:{self.account}:function:"
            f"{self.function_name(function_lid)}:{self._version_no(token_lid, function_lid)}"
        )
        return self.remember(arn, token_lid)

    def _version_no(self, token_lid: str, function_lid: str) -> int:
        if token_lid not in self._versions:
            self._versions[token_lid] = 1 + sum(
                1 for f in self._version_of.values() if f == function_lid
            )
            self._version_of[token_lid] = function_lid
        return self._versions[token_lid]

    def bucket_name(self, lid: str) -> str:
        name = self.prop(lid, "BucketName")
        return name if isinstance(name, str) and name else lid.lower()

    def resource_ref(self, lid: str) -> str:
        rtype = self.rtype(lid)
        if rtype in ("AWS::Lambda::Function", "AWS::Serverless::Function"):
            return self.remember(self.function_name(lid), lid)
        if rtype == "AWS::Lambda::Version":
            target = self.prop(lid, "FunctionName")
            fn = self.tokens.get(target, "") if isinstance(target, str) else ""
            if fn and self.rtype(fn) in ("AWS::Lambda::Function", "AWS::Serverless::Function"):
                return self.version_arn(fn, lid)
            name = str(target).rpartition(":")[2] or lid
            return self.remember(
                f"arn:aws:lambda:{self.region}:{self.account}:function:"
                f"{name}:{self._version_no(lid, name)}",
                lid,
            )
        if rtype == "AWS::Lambda::Alias":
            target = self.prop(lid, "FunctionName")
            name = self.tokens.get(target, "") if isinstance(target, str) else ""
            alias = self.prop(lid, "Name") or lid
            return self.remember(
                f"arn:aws:lambda:{self.region}:{self.account}:function:"
                f"{self.function_name(name) if name else lid}:{alias}",
                lid,
            )
        if rtype == "AWS::CloudFront::Function":
            return self.remember(
                f"arn:aws:cloudfront::{self.account}:function/{self.prop(lid, 'Name') or lid}", lid
            )
        if rtype == "AWS::CloudFront::KeyValueStore":
            return self.remember(str(self.prop(lid, "Name") or lid), lid)
        if rtype == "AWS::S3::Bucket":
            return self.remember(self.bucket_name(lid), lid)
        return self.remember(lid, lid)

    def get_att(self, lid: str, attr: str, loc: Loc) -> Any:
        if lid not in self.resources:
            base, _, suffix = lid.rpartition(".")
            if suffix in ("Version", "Alias") and self.rtype(base) == "AWS::Serverless::Function":
                return self.version_arn(base, lid)
            raise loc.error(f"Fn::GetAtt names {lid!r}, which is not a resource of this template")
        rtype = self.rtype(lid)
        region, acct = self.region, self.account
        if rtype in ("AWS::Lambda::Function", "AWS::Serverless::Function") and attr == "Arn":
            return self.function_arn(lid)
        if rtype == "AWS::Serverless::Function" and attr in ("Version", "Alias"):
            return self.version_arn(lid, f"{lid}.{attr}")
        if rtype == "AWS::Lambda::Version" and attr in ("FunctionArn", "Version"):
            arn = self.resource_ref(lid)
            return arn.rpartition(":")[2] if attr == "Version" else arn.rpartition(":")[0]
        if rtype == "AWS::CloudFront::Function" and attr in (
            "FunctionARN",
            "FunctionMetadata.FunctionARN",
            "Arn",
        ):
            return self.resource_ref(lid)
        if rtype == "AWS::CloudFront::Function" and attr == "Stage":
            return "LIVE"
        if rtype == "AWS::CloudFront::KeyValueStore":
            if attr == "Arn":
                return self.remember(f"arn:aws:cloudfront::{acct}:key-value-store/{lid}", lid)
            if attr == "Id":
                return self.remember(lid, lid)
            if attr == "Status":
                return "READY"
        if rtype == "AWS::S3::Bucket":
            name = self.bucket_name(lid)
            values = {
                "DomainName": f"{name}.s3.amazonaws.com",
                "RegionalDomainName": f"{name}.s3.{region}.amazonaws.com",
                "DualStackDomainName": f"{name}.s3.dualstack.{region}.amazonaws.com",
                "WebsiteURL": f"http://{name}.s3-website-{region}.amazonaws.com",
                "Arn": f"arn:aws:s3:::{name}",
            }
            if attr in values:
                self.remember(f"{name}.s3-website-{region}.amazonaws.com", lid)
                return self.remember(values[attr], lid)
        if rtype == "AWS::CloudFront::Distribution":
            if attr == "DomainName":
                return self.remember(f"{lid.lower()}.cloudfront.net", lid)
            if attr == "Id":
                return self.remember(lid, lid)
        if rtype == "Custom::CrossRegionStringParameterReader":
            # CDK's EdgeFunction outside us-east-1: the value of an SSM parameter another
            # template writes; the CloudFormation importer follows it there.
            return self.remember(f"ssm:{self.prop(lid, 'ParameterName')}", lid)
        if rtype.startswith("AWS::CloudFront::") and attr == "Id":
            return self.remember(lid, lid)
        placeholder = f"{lid}.{attr}"
        self.note(
            f"{loc}: Fn::GetAtt {lid}.{attr} ({rtype or 'unknown type'}) has no local "
            f"value; using the placeholder {placeholder!r}"
        )
        return self.remember(placeholder, lid)

    def function(self, key: str, arg: Any, loc: Loc) -> Any:
        """One intrinsic function (``Fn::*``): the table :data:`INTRINSICS` says which
        method evaluates it."""
        if key in CONDITION_FUNCTIONS:
            return self._truth({key: arg}, loc)
        evaluate = INTRINSICS.get(key)
        if evaluate is None:
            raise loc.error(f"{key} is not supported by edgelab's CloudFormation reader")
        return evaluate(self, arg, loc)

    def _get_att(self, arg: Any, loc: Loc) -> Any:
        if isinstance(arg, str):
            lid, _, attr = arg.partition(".")
        else:
            parts = [as_str(self.resolve(p, loc), loc) for p in as_list(arg, loc)]
            if len(parts) != 2:
                raise loc.error(f"Fn::GetAtt takes [LogicalId, Attribute]; got {arg!r}")
            lid, attr = parts
        return self.get_att(lid, attr, loc)

    def _join(self, arg: Any, loc: Loc) -> str:
        delim, items = _pair(arg, loc, "Fn::Join")
        items = self.resolve(items, loc)
        return as_str(self.resolve(delim, loc), loc).join(
            _text(self.resolve(i, loc)) for i in as_list(items, loc)
        )

    def _select(self, arg: Any, loc: Loc) -> Any:
        index, items = _pair(arg, loc, "Fn::Select")
        items = as_list(self.resolve(items, loc), loc)
        i = as_int(self.resolve(index, loc), loc)
        if not 0 <= i < len(items):
            raise loc.error(f"Fn::Select index {i} is outside the list of {len(items)}")
        return items[i]

    def _split(self, arg: Any, loc: Loc) -> list[str]:
        delim, text = _pair(arg, loc, "Fn::Split")
        return as_str(self.resolve(text, loc), loc).split(as_str(self.resolve(delim, loc), loc))

    def _if(self, arg: Any, loc: Loc) -> Any:
        parts = as_list(arg, loc)
        if len(parts) != 3:
            raise loc.error(f"Fn::If takes [Condition, IfTrue, IfFalse]; got {arg!r}")
        chosen = parts[1] if self.condition(as_str(parts[0], loc), loc) else parts[2]
        return self.resolve(chosen, loc)

    def _find_in_map(self, arg: Any, loc: Loc) -> Any:
        parts = as_list(arg, loc)
        default = NOVALUE
        if len(parts) == 4 and isinstance(parts[3], dict) and "DefaultValue" in parts[3]:
            default = self.resolve(parts[3]["DefaultValue"], loc)
            parts = parts[:3]
        if len(parts) != 3:
            raise loc.error(f"Fn::FindInMap takes [Map, TopKey, SecondKey]; got {arg!r}")
        names = [_text(self.resolve(p, loc)) for p in parts]
        try:
            return self.resolve(self.mappings[names[0]][names[1]][names[2]], loc)
        except (KeyError, TypeError):
            if default is not NOVALUE:
                return default
            raise loc.error(f"Fn::FindInMap {names} is not in Mappings") from None

    def _import_value(self, arg: Any, loc: Loc) -> str:
        name = _text(self.resolve(arg, loc))
        self.note(
            f"{loc}: Fn::ImportValue {name} comes from another stack; using the "
            f"placeholder 'import:{name}'"
        )
        return f"import:{name}"

    def _base64(self, arg: Any, loc: Loc) -> str:
        return base64.b64encode(_text(self.resolve(arg, loc)).encode()).decode()

    def _get_azs(self, _arg: Any, _loc: Loc) -> list[str]:
        return [f"{self.region}{z}" for z in "abc"]

    def _to_json_string(self, arg: Any, loc: Loc) -> str:
        return json.dumps(self.resolve(arg, loc), separators=(",", ":"))

    def _length(self, arg: Any, loc: Loc) -> int:
        return len(as_list(self.resolve(arg, loc), loc))

    def _cidr(self, _arg: Any, loc: Loc) -> list[str]:
        self.note(f"{loc}: Fn::Cidr is not computed; using placeholders")
        return ["10.0.0.0/24"]

    def _sub(self, arg: Any, loc: Loc) -> str:
        if isinstance(arg, list):
            if len(arg) != 2:
                raise loc.error(f"Fn::Sub takes a string or [string, {{variables}}]; got {arg!r}")
            text, variables = as_str(arg[0], loc), self.resolve(arg[1], loc)
        else:
            text, variables = as_str(arg, loc), {}

        def repl(m: re.Match[str]) -> str:
            name = m.group(1).strip()
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return _text(variables[name])
            if "." in name and not name.startswith("AWS::"):
                lid, _, attr = name.partition(".")
                return _text(self.get_att(lid, attr, loc))
            return _text(self.ref(name, loc))

        return _SUB.sub(repl, text)


#: each intrinsic function and the :class:`Template` method that evaluates it (facts §11.3)
INTRINSICS: dict[str, Callable[[Template, Any, Loc], Any]] = {
    "Fn::GetAtt": Template._get_att,
    "Fn::Sub": Template._sub,
    "Fn::Join": Template._join,
    "Fn::Select": Template._select,
    "Fn::Split": Template._split,
    "Fn::If": Template._if,
    "Fn::FindInMap": Template._find_in_map,
    "Fn::ImportValue": Template._import_value,
    "Fn::Base64": Template._base64,
    "Fn::GetAZs": Template._get_azs,
    "Fn::ToJsonString": Template._to_json_string,
    "Fn::Length": Template._length,
    "Fn::Cidr": Template._cidr,
}
#: the condition functions, also usable as values (``true``/``false``)
CONDITION_FUNCTIONS = ("Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not")


def _pair(arg: Any, loc: Loc, key: str) -> tuple[Any, Any]:
    parts = as_list(arg, loc)
    if len(parts) != 2:
        raise loc.error(f"{key} takes two arguments; got {arg!r}")
    return parts[0], parts[1]


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is NOVALUE:
        return ""
    return str(value)

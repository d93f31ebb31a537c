"""Swagger 2.0 input: validated as 2.0, converted to the OpenAPI 3.0 that says the same, validated again."""

from __future__ import annotations

from typing import Any

import pytest

from generator.errors import Problem, SpecError
from generator.load import Document
from generator.swagger2 import convert, upgrade

OPERATION: dict[str, Any] = {"responses": {"200": {"description": "ok"}}}


def swagger(paths: dict[str, Any], **top: Any) -> Document:
    return Document({"swagger": "2.0", "info": {"title": "t", "version": "1"}, "paths": paths, **top}, "", "s.json")


def test_the_document_level_pieces_move_to_their_3_0_places() -> None:
    document = swagger(
        {"/x.y": {"get": OPERATION}}, host="slack.com", basePath="/api", schemes=["http", "https"],
        securityDefinitions={"slackAuth": {"type": "oauth2", "flow": "accessCode", "scopes": {"a": "a"},
                                           "authorizationUrl": "https://slack.com/oauth/authorize",
                                           "tokenUrl": "https://slack.com/api/oauth.access"},
                             "basic": {"type": "basic"}},
        definitions={"thing": {"type": "object", "properties": {"next": {"$ref": "#/definitions/thing"}}}})
    data = convert(document).data
    assert data["openapi"] == "3.0.3"
    assert data["servers"] == [{"url": "https://slack.com/api"}]
    assert data["components"]["securitySchemes"] == {
        "slackAuth": {"type": "oauth2", "flows": {"authorizationCode": {
            "scopes": {"a": "a"}, "authorizationUrl": "https://slack.com/oauth/authorize",
            "tokenUrl": "https://slack.com/api/oauth.access"}}},
        "basic": {"type": "http", "scheme": "basic"}}
    assert data["components"]["schemas"]["thing"]["properties"]["next"] == {"$ref": "#/components/schemas/thing"}


def test_parameters_become_query_parameters_and_request_bodies() -> None:
    shared = {"name": "team_id", "in": "query", "type": "string"}
    document = swagger({
        "/files.upload": {
            "parameters": [{"$ref": "#/parameters/team"}],
            "post": {"consumes": ["multipart/form-data"], "parameters": [
                {"name": "token", "in": "header", "type": "string"},
                {"name": "file", "in": "formData", "type": "file", "required": True, "description": "The file."},
                {"name": "ids", "in": "query", "type": "array", "items": {"type": "string"},
                 "collectionFormat": "multi"}], **OPERATION}},
        "/chat.postMessage": {"post": {"parameters": [
            {"name": "body", "in": "body", "required": True, "schema": {"$ref": "#/definitions/message"}}],
            **OPERATION}},
    }, parameters={"team": shared}, definitions={"message": {"type": "object"}})
    paths = convert(document).data["paths"]
    upload = paths["/files.upload"]["post"]
    assert upload["parameters"] == [
        {"name": "team_id", "in": "query", "schema": {"type": "string"}},
        {"name": "token", "in": "header", "schema": {"type": "string"}},
        {"name": "ids", "in": "query", "schema": {"type": "array", "items": {"type": "string"}},
         "style": "form", "explode": True}]
    assert upload["requestBody"] == {"required": True, "content": {"multipart/form-data": {"schema": {
        "type": "object", "required": ["file"],
        "properties": {"file": {"description": "The file.", "type": "string", "format": "binary"}}}}}}
    assert paths["/chat.postMessage"]["post"]["requestBody"] == {
        "required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/message"}}}}


def test_draft_4_schema_spellings_become_3_0_ones() -> None:
    document = swagger({"/x.y": {"get": {"responses": {"200": {"description": "ok", "schema": {
        "type": "object", "properties": {
            "a": {"type": ["null", "string"]},
            "b": {"type": "object", "x-nullable": True},
            "c": {"items": [{"type": "string"}, {"type": "null"}]},
            "d": {"type": ["object", "array"], "items": {"type": "string"}},
        }}, "examples": {"application/json": {"ok": True}}}}}}})
    content = convert(document).data["paths"]["/x.y"]["get"]["responses"]["200"]["content"]["application/json"]
    properties = content["schema"]["properties"]
    assert content["example"] == {"ok": True}
    assert properties["a"] == {"type": "string", "nullable": True}
    assert properties["b"] == {"type": "object", "nullable": True}
    assert properties["c"] == {"items": {"anyOf": [{"type": "string"}, {"nullable": True}]},
                               "x-generator-tuple-items": True}
    assert properties["d"] == {"oneOf": [{"type": "object"}, {"type": "array", "items": {"type": "string"}}]}


def test_problems_after_conversion_point_into_the_2_0_file() -> None:
    document = swagger({"/x.y": {"post": {"parameters": [
        {"name": "mode", "in": "formData", "type": "string"}], **OPERATION}}},
        definitions={"user": {"items": [{"type": "object"}, {"type": "string"}]}})
    converted = convert(document)
    form = "/paths/~1x.y/post/requestBody/content/application~1x-www-form-urlencoded/schema/properties/mode"
    assert converted.source(Problem("m", "s.json", f"{form}/enum")).pointer == "/paths/~1x.y/post/parameters/0/enum"
    assert converted.source(Problem("m", "s.json", "/components/schemas/user/items/anyOf/1")).pointer == \
        "/definitions/user/items/1"


def test_an_invalid_2_0_document_is_refused_before_conversion() -> None:
    document = swagger({"/x.y": {"get": {"parameters": [{"name": "a", "in": "query", "type": "int"}], **OPERATION}}})
    with pytest.raises(SpecError) as raised:
        upgrade(document)
    assert [problem.pointer for problem in raised.value.problems] == ["/paths/~1x.y/get/parameters/0/type"]

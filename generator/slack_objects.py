"""The Slack object types the method reference names but does not define (`{"schema": "user"}`).

Each name becomes one of three things, decided here once for every method that uses it:
- an identifier or other plain string (`user_id`, `ts`, `channel`), never an object;
- a component taken from the 2020 spec's `objs_*` definitions, where one describes that object
  (`message` is `objs_message`), normalised to OpenAPI 3.1 and loosened for responses: no field
  is required and unknown fields are allowed, since the same object is returned in many shapes;
- a component typed by hand below, from Slack's object documentation and the reference's examples.
A name in none of these becomes an open object, with a warning naming the method file.
"""

from __future__ import annotations

from typing import Any

from .naming import pascal_case

# Names that stand for a string: identifiers, timestamps, codes.
STRING_NAMES = frozenset({
    "", "bot_id", "channel", "channel_id", "dm_id", "enterprise_id", "enterprise_name", "enterprise_user_id",
    "file_id", "group_id", "invite_id", "list_export_status", "list_export_format", "role_id", "team_id", "ts",
    "user_id", "workspace_id", "xoxe_access_token", "xoxe_refresh_token", "app_id", "subteam_id", "function_id",
    "list_record_id", "barrier_id", "function_trigger_type_id", "file_access_level", "date", "app_request_id",
    "post_file", "entity_types", "selection", "error", "criteria", "prompts",
})

# Reference name -> the 2020 spec's definition describing the same object.
LEGACY_OBJECTS = {
    "comment": "objs_comment",
    "conversation": "objs_conversation",
    "file": "objs_file",
    "message": "objs_message",
    "paging": "objs_paging",
    "reminder": "objs_reminder",
    "response_metadata": "objs_response_metadata",
    "response_metadata_new": "objs_response_metadata",
    "subteam": "objs_subteam",
    "team": "objs_team",
    "team-summary": "objs_team",
    "team_profile_field": "objs_team_profile_field",
    "user": "objs_user",
    "user_profile": "objs_user_profile",
}

_TEXT = {"type": "object", "description": "A text object.",
         "properties": {"type": {"type": "string"}, "text": {"type": "string"}, "emoji": {"type": "boolean"},
                        "verbatim": {"type": "boolean"}}}


def _obj(about: str, /, **fields: Any) -> dict[str, Any]:
    """An object schema from `field=type` pairs: a JSON type name, or a full schema."""
    return {"type": "object", "description": about,
            "properties": {name: ({"type": kind} if isinstance(kind, str) else kind) for name, kind in fields.items()}}


_STRINGS = {"type": "array", "items": {"type": "string"}}
_BLOCKS_OF_ELEMENTS = {"type": "array", "items": {"$ref": "#/components/schemas/Block"}}
_BLOCKS = {"$ref": "#/components/schemas/Blocks"}
VIEW = _obj(
    "A view: a modal, a Home tab or a workflow step configuration.",
    id="string", team_id="string", type="string", title=_TEXT, submit=_TEXT, close=_TEXT, blocks=_BLOCKS,
    private_metadata="string", callback_id="string", state={"type": "object"}, hash="string",
    clear_on_close="boolean", notify_on_close="boolean", root_view_id="string", previous_view_id="string",
    app_id="string", app_installed_team_id="string", external_id="string", bot_id="string",
    submit_disabled="boolean")

# Reference name -> hand-typed schema (component name is the reference name in PascalCase,
# except where a shared component is named).
HAND_TYPED: dict[str, dict[str, Any]] = {
    "info": _obj(
        "A Call registered by a third-party calling service.",
        id="string", date_start="integer", date_end="integer", external_unique_id="string", join_url="string",
        desktop_app_join_url="string", external_display_id="string", title="string",
        users={"type": "array", "items": {"$ref": "#/components/schemas/CallUser"}}, channels=_STRINGS,
        created_by="string", was_rejected="boolean", was_missed="boolean", was_accepted="boolean",
        has_ended="boolean"),
    "bookmark": _obj(
        "A bookmark in a channel's bookmarks bar.",
        id="string", channel_id="string", title="string", link="string", emoji={"type": ["string", "null"]},
        icon_url={"type": ["string", "null"]}, type="string", entity_id={"type": ["string", "null"]},
        date_created="integer", date_updated="integer", rank="string", last_updated_by_user_id="string",
        last_updated_by_team_id="string", shortcut_id={"type": ["string", "null"]},
        app_id={"type": ["string", "null"]}),
    "view": VIEW, "modal": VIEW, "home": VIEW, "publishable-view": VIEW, "workflow-step": VIEW,
    "app-notification-subscription-configuration": VIEW,
    "dnd_profile_status": _obj(
        "A user's Do Not Disturb status.",
        dnd_enabled="boolean", next_dnd_start_ts="integer", next_dnd_end_ts="integer", snooze_enabled="boolean",
        snooze_endtime="integer", snooze_remaining="integer", snooze_is_indefinite="boolean"),
    "trigger-run-acl": _obj(
        "Who may run a workflow trigger.",
        permission_type="string", user_ids=_STRINGS, channel_ids=_STRINGS, team_ids=_STRINGS, org_ids=_STRINGS),
    "information_barrier": _obj(
        "An information barrier between user groups.",
        id="string", enterprise_id="string", primary_usergroup=_obj("A user group.", id="string", name="string"),
        barriered_from_usergroups={"type": "array", "items": _obj("A user group.", id="string", name="string")},
        restricted_subjects=_STRINGS, date_update="integer"),
    "section_metadata": _obj(
        "A section of the workspace's profile fields.",
        id="string", team_id="string", section_type="string", label="string", order="integer", is_hidden="boolean"),
    "step_version": _obj(
        "A workflow step as of one workflow version.",
        title="string", workflow_id="string", step_id="string", is_deleted="boolean",
        workflow_version_created="string"),
    "activity": _obj(
        "An app activity log entry.",
        app_id="string", level="string", event_type="string", source="string", component_type="string",
        component_id="string", payload={"type": "object"}, created="integer", trace_id="string",
        team_id="string", enterprise_id="string"),
    "admin_app_domain_list": _obj("Domains an app may reach.", emails=_STRINGS, urls=_STRINGS),
    "list_item": _obj(
        "A row of a Slack List.",
        id="string", list_id="string", date_created="integer", created_by="string", updated_by="string",
        fields={"type": "array", "items": {"type": "object"}}, updated_timestamp="string",
        parent_record_id="string"),
}

_ID_LIST = {"type": "array", "items": {"type": "string"}}
_CHOICE = _obj("A choice of a select column.", value="string", label="string", color="string")
_COLUMN = _obj(
    "A column of a Slack List.",
    id="string", name="string", key="string", type="string", is_primary_column="boolean",
    options=_obj("How the column shows and accepts values.", choices={"type": "array", "items": _CHOICE},
                 format="string", precision="integer", show_member_name="boolean", emoji="string", max="integer",
                 default_value={}))
_VIEW_COLUMN = _obj("A column as one view shows it.", id="string", key="string", visible="boolean", position="string",
                    width="integer")
_LIST_VIEW = _obj(
    "A view of a Slack List.",
    id="string", name="string", type="string", is_locked="boolean", position="string",
    columns={"type": "array", "items": _VIEW_COLUMN}, date_created="integer", created_by="string",
    stick_column_left="boolean", is_all_items_view="boolean", default_view_key="string",
    show_completed_items="boolean")
LIST_METADATA = _obj(
    "The columns, views and settings of a Slack List.",
    schema={"type": "array", "items": {"$ref": "#/components/schemas/ListColumn"}},
    subtask_schema={"type": "array", "items": {"$ref": "#/components/schemas/ListColumn"}},
    views={"type": "array", "items": _LIST_VIEW}, integrations={"type": "array", "items": {"type": "object"}},
    icon="string", description="string", description_blocks=_BLOCKS, is_trial="boolean",
    creation_source=_obj("Where the List came from.", type="string", reference_id="string"),
    todo_mode="boolean", default_view="string")
_CELL_VALUES = {"type": "array", "items": {"type": ["string", "number", "boolean", "object"]}}
HAND_TYPED["list_metadata"] = LIST_METADATA
HAND_TYPED["list_column"] = _COLUMN
HAND_TYPED["list_item"]["properties"]["fields"] = {"type": "array", "items": {"$ref": "#/components/schemas/ListField"}}
HAND_TYPED["list_field"] = _obj(
    "A cell of a List row.",
    key="string", column_id="string", value={"type": ["string", "integer", "number", "boolean"]}, text="string",
    rich_text=_BLOCKS, number={"type": "array", "items": {"type": "number"}}, select=_ID_LIST, date=_ID_LIST,
    timestamp={"type": "array", "items": {"type": "integer"}}, user=_ID_LIST, channel=_ID_LIST,
    checkbox="boolean", email=_ID_LIST, phone=_ID_LIST, link={"type": "array", "items": {"type": "object"}},
    attachment=_ID_LIST, message={"type": "array", "items": {"type": "object"}}, rating=_CELL_VALUES)

_ICONS = {"type": "object", "description": "Image URLs by size.", "additionalProperties": {"type": ["string", "boolean"]}}
_APP = _obj(
    "An app as admins see it.",
    id="string", name="string", description="string", help_url="string", privacy_policy_url="string",
    app_homepage_url="string", app_directory_url="string", is_app_directory_approved="boolean",
    is_internal="boolean", developer_type="string", socket_mode_enabled="boolean", icons=_ICONS,
    additional_info="string")
_SCOPES = {"type": "array", "items": _obj(
    "A permission an app asks for.", name="string", description="string", is_sensitive="boolean",
    token_type="string", is_optional="boolean", is_approved="boolean")}
_NAMED = _obj("A user or team, briefly.", id="string", name="string", email="string", domain="string")
HAND_TYPED["resolution"] = _obj(
    "An admin's decision about an app.",
    app=_APP, scopes=_SCOPES, date_updated="integer", status="string",
    last_resolved_by=_obj("Who decided.", actor_id="string", actor_type="string"))
HAND_TYPED["request"] = _obj(
    "A request to install an app.",
    id="string", app=_APP, previous_resolution=_obj("The decision before.", status="string", scopes=_SCOPES),
    user=_NAMED, team=_NAMED, enterprise=_NAMED, scopes=_SCOPES, message="string",
    is_user_app_collaborator="boolean", date_created="integer")
_WORKFLOW_INPUT = _obj("An input of a workflow or function.", type="string", name="string", description="string",
                       title="string", is_required="boolean")
HAND_TYPED["workflow-with-trigger-ids"] = _obj(
    "A workflow with the IDs of its triggers.",
    id="string", workflow_function_id="string", callback_id="string", title="string", description="string",
    input_parameters={"type": "object", "additionalProperties": _WORKFLOW_INPUT},
    steps={"type": "array", "items": _obj(
        "A step of a workflow.", id="string", function_id="string", step_id="string",
        inputs={"type": "object", "additionalProperties": _obj("A step input.", value={}, locked="boolean")})},
    collaborators=_ID_LIST, icons=_ICONS, is_published="boolean", last_updated_by="string",
    unpublished_change_count="integer", app_id="string", source="string", billing_type="string",
    date_updated="integer", is_billable="boolean", creation_source_type="integer", creation_source_id="string",
    last_published_version_id="string", last_published_date="string", trigger_ids=_ID_LIST,
    is_sales_home_workflow="boolean", is_sales_elevate="boolean",
    trigger_types={"type": "array", "items": _obj("A kind of trigger.", id="string", type="string",
                                                   subtype="string")})
HAND_TYPED["function"] = _obj(
    "A function an app provides to workflows.",
    id="string", callback_id="string", title="string", description="string", type="string",
    input_parameters={"type": "array", "items": _WORKFLOW_INPUT},
    output_parameters={"type": "array", "items": _WORKFLOW_INPUT}, app_id="string", date_created="integer",
    date_updated="integer", date_deleted="integer")
HAND_TYPED["requested-shared-invite"] = _obj(
    "A request to invite someone outside the organization to a channel.",
    id="string", date_created="integer", date_last_updated="integer", expires_at="integer",
    inviting_team=_obj("The team the invitation comes from.", id="string", name="string", icon=_ICONS,
                       avatar_base_url="string", is_verified="boolean", domain="string", date_created="integer",
                       requires_sponsorship="boolean"),
    inviting_user={"$ref": "#/components/schemas/User"}, reviewing_user={"$ref": "#/components/schemas/User"},
    channel=_obj("The channel.", id="string", name="string", is_private="boolean", is_im="boolean"),
    is_external_limited="boolean", is_sponsored="boolean", recipient_email="string",
    target_user=_obj("Who is invited.", recipient_email="string", recipient_user_id="string"))

# Fields Slack has added to objects since the 2020 spec, by component.
LEGACY_ADDITIONS: dict[str, dict[str, Any]] = {
    "File": {
        "list_metadata": {"$ref": "#/components/schemas/ListMetadata"},
        "list_limits": _obj("How close a List is to its limits.", over_row_maximum="boolean",
                            row_count_limit="integer", row_count="integer", archived_row_count="integer",
                            over_column_maximum="boolean", column_count="integer", column_count_limit="integer",
                            over_view_maximum="boolean", view_count="integer", view_count_limit="integer",
                            max_attachments_per_cell="integer"),
        "list_csv_download_url": {"type": "string"}, "file_access": {"type": "string"}, "access": {"type": "string"},
        "teams_shared_with": _ID_LIST, "skipped_shares": {"type": "boolean"},
        "is_restricted_sharing_enabled": {"type": "boolean"}, "org_or_workspace_access": {"type": "string"},
        "is_ai_suggested": {"type": "boolean"}, "last_editor": {"type": "string"}, "user_team": {"type": "string"},
        "shares": _obj("Where the file is shared: channel ID -> share details.",
                       public={"type": "object", "additionalProperties": {"type": "array", "items": {
                           "$ref": "#/components/schemas/FileShare"}}},
                       private={"type": "object", "additionalProperties": {"type": "array", "items": {
                           "$ref": "#/components/schemas/FileShare"}}}),
    },
}

# Schemas the components above refer to.
SUPPORT: dict[str, dict[str, Any]] = {
    "ListColumn": _COLUMN,
    "ListField": HAND_TYPED["list_field"],
    "FileShare": _obj("One share of a file in a channel.", reply_users=_ID_LIST, reply_users_count="integer",
                      reply_count="integer", ts="string", channel_name="string", team_id="string",
                      share_user_id="string", source="string", is_silent_share="boolean",
                      thread_ts="string", latest_reply="string"),
    "Blocks": {"type": "array", "description": "Block Kit blocks.", "items": {"$ref": "#/components/schemas/Block"}},
    "Block": _obj("A Block Kit block or element (`type` says which); nested elements are blocks too.",
                  type="string", block_id="string", action_id="string",
                  text={"anyOf": [{"type": "string"}, _TEXT]}, elements=_BLOCKS_OF_ELEMENTS, call_id="string",
                  url="string", user_id="string", channel_id="string", name="string", style={"type": "object"},
                  image_url="string", alt_text="string", fallback="string", border="integer",
                  indent="integer", offset="integer"),
    "CallUser": _obj("A participant of a Call: a Slack user (`slack_id`) or an external one (`external_id`).",
                     slack_id="string", external_id="string", display_name="string", avatar_url="string"),
}


def component_name(reference_name: str) -> str:
    """The component a reference object name becomes; all views share one."""
    if HAND_TYPED.get(reference_name) is VIEW:
        return "View"
    if reference_name == "blocks":
        return "Blocks"
    if reference_name == "info":
        return "Call"
    legacy = LEGACY_OBJECTS.get(reference_name)
    if legacy is not None:
        return legacy_component_name(legacy)
    return pascal_case(reference_name.replace("-", "_"))


def legacy_component_name(definition: str) -> str:
    return pascal_case(definition.removeprefix("objs_"))


class Legacy:
    """The 2020 spec's definitions, normalised to OpenAPI 3.1 response schemas on demand."""

    def __init__(self, definitions: dict[str, Any]) -> None:
        self.definitions = definitions
        self.components: dict[str, dict[str, Any]] = {}

    def component(self, definition: str) -> str:
        """The component for `definition` (built once, with the components it refers to)."""
        name = legacy_component_name(definition)
        if name not in self.components:
            self.components[name] = {}  # claimed first: definitions may refer to themselves
            schema = self.schema(self.definitions[definition])
            if name in LEGACY_ADDITIONS and isinstance(schema.get("properties"), dict):
                schema["properties"] = {**schema["properties"], **{
                    key: value for key, value in LEGACY_ADDITIONS[name].items() if key not in schema["properties"]}}
            self.components[name] = schema
        return name

    def schema(self, node: Any) -> Any:
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str):
            target = ref.rsplit("/", 1)[-1]
            if target == "blocks":
                return dict(_BLOCKS)
            if target.startswith("objs_"):
                return {"$ref": f"#/components/schemas/{self.component(target)}"}
            return self.schema(self.definitions.get(target, {}))
        result: dict[str, Any] = {}
        items = node.get("items")
        if isinstance(items, list):  # Swagger 2.0 tuple items: one of several shapes
            return self._one_of([self.schema(item) for item in items], node)
        for key, value in node.items():
            if key in ("type", "description"):
                result[key] = value
            elif key == "enum" and len(value) > 1 and all(isinstance(v, str) for v in value):
                result[key] = value  # not `enum: [false]`: one value seen once is no enum
            elif key == "title" and "description" not in node:
                result["description"] = value
            elif key == "properties":
                result[key] = {name: self.schema(prop) for name, prop in value.items()}
            elif key == "items" or key == "additionalProperties" and isinstance(value, dict):
                result[key] = self.schema(value)
        if result.get("type") == "array" and "items" not in result:
            result["items"] = {}
        if "items" in result and "array" not in result.get("type", ()):
            del result["items"]  # 2020 spec slips: `items` on an object
        return result

    @staticmethod
    def _one_of(options: list[Any], node: dict[str, Any]) -> dict[str, Any]:
        """Object shapes merge into one object (the union of their fields); others stay alternatives."""
        nulls = [o for o in options if isinstance(o, dict) and o.get("type") == "null"]
        rest = [o for o in options if o not in nulls]
        if rest and all(isinstance(o, dict) and "properties" in o for o in rest):
            properties: dict[str, Any] = {}
            for option in rest:
                for name, prop in option["properties"].items():
                    properties.setdefault(name, prop)
            merged: dict[str, Any] = {"type": "object", "properties": properties}
            if "title" in node or "description" in node:
                merged["description"] = node.get("description", node.get("title"))
            return {"anyOf": [merged, {"type": "null"}]} if nulls else merged
        if len(rest) == 1 and not nulls:
            return dict(rest[0])
        return {"anyOf": rest + nulls}

"""Every literal in components/ that reaches Azure is asserted by a baseline rule or a plan test, or
is listed as not security-relevant with the reason.

The literals are found in the source, not listed by hand (`literal_sites`), so a literal added later
fails test_every_literal_is_asserted_or_excused until it gets a row. A site is:
  - an argument holding a literal in a call that declares a resource or builds its arguments (a
    callee from pulumi, pulumi_azure_native or pulumiverse_time, `self.declare(Type, ...)` named by
    its type, or a component's own method): `StorageAccount.minimum_tls_version`;
  - a module-level constant (`IDENTITY_ROLES`), and a class-level default or table (config section
    fields, dataclass fields, `environment_defaults`, `prod_floor`; a Field's bounds apart from its
    default: `StorageConfig.soft_delete_retention_days:ge`);
  - a statement in a function that compares with, chooses between or builds from literals
    (`ContainerRegistry.__init__: premium = settings.sku == '…'`), literals masked.
Sites are named without their values, so a flipped value must be caught by what the row names
(bench/mutations.py flips them), not by this listing.

The second half holds the plan assertions that no baseline rule or other test makes.
"""

from __future__ import annotations

import ast
import functools
import copy
import re
from collections import Counter
from pathlib import Path

import pytest

from components.roles import BUILTIN_ROLES
from policies.baseline import RULES
from preview.capture import capture_plan
from preview.plan import input_at
from preview.stackfile import load_stack_config

ROOT = Path(__file__).resolve().parents[2]
COMPONENTS = ROOT / "components"
TESTS = ROOT / "tests"

# --- finding the literals -----------------------------------------------------------------------

PROVIDER_PACKAGES = ("pulumi", "pulumi_azure_native", "pulumiverse_time")
CONSTANT_NAME = re.compile(r"_?[A-Z][A-Z0-9_]*")

# Files of components/ that pass nothing to Azure themselves, and why they are not scanned.
NOT_SCANNED = {
    "__init__.py": "empty",
    "settings.py": "the config machinery (merging, errors, the floor), on test-only models in test_settings.py",
    "naming.py": "Azure names: test_naming.py holds the rules, test_no_resource_changes_its_urn every name in use",
    "regions.py": "the regions a location may name, checked by test_config.py",
    "secrets.py": "marks inputs that hold secret config as secrets; passes nothing to Azure (tests/preview/test_preview_secrets.py)",
}


def _root(node: ast.AST) -> ast.AST:
    while isinstance(node, (ast.Attribute, ast.Call)):
        node = node.value if isinstance(node, ast.Attribute) else node.func
    return node


def _masked(node: ast.AST) -> str:
    """The statement with its literals masked: a site's name, which a flipped value leaves alone."""
    node = copy.deepcopy(node)
    for child in ast.walk(node):
        if isinstance(child, ast.Constant) and child.value is not None:
            child.value = "…" if isinstance(child.value, str) else ...
    text = ast.unparse(node)
    return text


class _Scanner(ast.NodeVisitor):
    def __init__(self, source: str):
        self.tree = ast.parse(source)
        self.providers = set()
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Import):
                self.providers |= {a.asname or a.name for a in node.names if a.name.split(".")[0] in PROVIDER_PACKAGES}
            elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in PROVIDER_PACKAGES:
                self.providers |= {a.asname or a.name for a in node.names}
        self.scope: list[str] = []
        self.found: list[tuple[str, str, ast.AST]] = []  # (enclosing function or class, site, its node)
        self.visit(self.tree)

    def named(self) -> list[tuple[str, ast.AST]]:
        """Each site's name and node; a call site found in several functions is named with each function."""
        plain = Counter(site for _, site, _ in self.found)
        return [(site if plain[site] == 1 or not scope else f"{scope}: {site}", node) for scope, site, node in self.found]

    def sites(self) -> dict[str, int]:
        """Site name → occurrences."""
        return dict(Counter(name for name, _ in self.named()))

    def callee(self, call: ast.Call) -> str | None:
        """The name of a call that declares a resource or builds its arguments, else None."""
        func, root = call.func, _root(call.func)
        if isinstance(func, ast.Attribute) and func.attr == "declare" and isinstance(root, ast.Name) and root.id == "self":
            kind = call.args[0]
            return kind.attr if isinstance(kind, ast.Attribute) else ast.unparse(kind)
        if isinstance(root, ast.Name) and (root.id in self.providers or root.id in ("self", "cls")):
            return ast.unparse(func)
        if isinstance(root, ast.Call) and isinstance(root.func, ast.Name) and root.func.id == "super":
            return ast.unparse(func)
        return None

    def literals(self, node: ast.AST) -> bool:
        """Whether node holds a literal (None aside) that is not inside a declaring call (a site of its own)."""
        pending = [node]
        while pending:
            current = pending.pop()
            if isinstance(current, ast.Call) and self.callee(current):
                continue
            if isinstance(current, ast.Constant) and current.value is not None:
                return True
            pending.extend(ast.iter_child_nodes(current))
        return False

    def add(self, site: str, node: ast.AST) -> None:
        self.found.append((".".join(self.scope), site, node))

    def visit_Module(self, node: ast.Module) -> None:
        for statement in node.body:
            self.assignment(statement, "", constants_only=True)
        self.generic_visit(node)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for statement in node.body:
            self.assignment(statement, f"{node.name}.", constants_only=False)
        self.scope.append(node.name)
        self.generic_visit(node)
        self.scope.pop()

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self.scope.append(node.name)
        qualname = ".".join(self.scope)
        for unit in self.units(node.body):
            if self.literals(unit):
                self.found.append(("", f"{qualname}: {_masked(unit)}", unit))
        self.generic_visit(node)
        self.scope.pop()

    def visit_Call(self, node: ast.Call) -> None:
        if name := self.callee(node):
            first = 1 if ast.unparse(node.func) == "self.declare" else 0  # the type is the site's name
            for position, argument in enumerate(node.args[first:], start=first):
                if self.literals(argument):
                    self.add(f"{name}[{position}]", argument)
            for keyword in node.keywords:
                if keyword.arg and self.literals(keyword.value):
                    self.add(f"{name}.{keyword.arg}", keyword)
        self.generic_visit(node)

    def assignment(self, statement: ast.stmt, prefix: str, constants_only: bool) -> None:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target, value = statement.targets[0], statement.value
        elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
            target, value = statement.target, statement.value
        else:
            return
        if not isinstance(target, ast.Name) or (constants_only and not CONSTANT_NAME.fullmatch(target.id)):
            return
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "Field":
            for keyword in value.keywords:  # the default, and each bound on its own
                if self.literals(keyword.value):
                    self.found.append(("", f"{prefix}{target.id}" + ("" if keyword.arg == "default" else f":{keyword.arg}"), keyword))
        elif self.literals(value):
            self.found.append(("", f"{prefix}{target.id}", statement))

    def units(self, body: list[ast.stmt]):
        """The simple statements of a function body, and the tests of its compound ones (not nested
        definitions, whose own bodies are visited, nor raises, whose literals are messages)."""
        for statement in body:
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Raise)):
                continue
            if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
                continue  # docstring
            if isinstance(statement, (ast.If, ast.While)):
                yield statement.test
            elif isinstance(statement, ast.For):
                yield statement.iter
            elif isinstance(statement, ast.With):
                yield from (item.context_expr for item in statement.items)
            elif not isinstance(statement, (ast.Try, ast.Match)):
                yield statement
            for field in ("body", "orelse", "finalbody"):
                yield from self.units(getattr(statement, field, None) or [])
            for handler in getattr(statement, "handlers", None) or []:
                yield from self.units(handler.body)
            for case in getattr(statement, "cases", None) or []:
                yield from self.units(case.body)


def literal_sites(path: Path) -> dict[str, int]:
    return _Scanner(path.read_text()).sites()


def literal_spans(source: str) -> dict[str, list[tuple[int, int]]]:
    """Where each site is in the source, as (start, end) offsets into its UTF-8 bytes (for
    bench/mutations.py, which checks that every asserted site is flipped)."""
    line_starts = [0]
    for line in source.encode().splitlines(keepends=True):
        line_starts.append(line_starts[-1] + len(line))
    spans: dict[str, list[tuple[int, int]]] = {}
    for name, node in _Scanner(source).named():
        start = line_starts[node.lineno - 1] + node.col_offset
        spans.setdefault(name, []).append((start, line_starts[node.end_lineno - 1] + node.end_col_offset))
    return spans


# --- who asserts each literal -------------------------------------------------------------------

# check_plan's own rules, besides the per-resource ones in RULES.
PLAN_RULES = {"lock", "protect", "diagnostics", "private-endpoints"}


def rule(*ids: str) -> tuple[str, ...]:
    return tuple(f"rule {rule_id}" for rule_id in ids)


def by_tests(*names: str) -> tuple[str, ...]:
    """Tests as "<path under tests/>::<function>"."""
    return tuple(f"test {name}" for name in names)


COMPUTE_TESTS, DATA_TESTS = "components/test_compute.py::", "components/test_data.py::"
PLATFORM, REACHES, HERE = "components/test_platform.py::", "components/test_config_reaches_plan.py::", "components/test_security_literals.py::"
URN = by_tests(f"{PLATFORM}test_no_resource_changes_its_urn")
SINCE_THE_SPLIT = by_tests(f"{HERE}test_moved_resources_keep_the_urns_they_have_had_since_the_split")
KEY_REACHES = by_tests(f"{REACHES}test_each_key_reaches_the_plan")
MODEL_DEFAULT = by_tests(f"{REACHES}test_each_model_default_shows_in_prods_plan")
ENVIRONMENT_DEFAULTS = by_tests(f"{REACHES}test_each_environment_default_shows_in_its_plan")
FLOOR = by_tests("policies/test_floor.py::test_prod_refuses_a_value_below_the_floor",
                 "policies/test_floor.py::test_a_value_below_the_floor_breaks_the_rules_its_entry_names")
FIXED = by_tests(f"{HERE}test_fixed_settings_hold_in_every_stack")
PEOPLE = by_tests(f"{PLATFORM}test_people_are_granted_on_every_scope_the_config_accepts")
UPGRADED_GRANTS = by_tests(f"{HERE}test_people_grants_keep_their_pre_split_urns_and_scopes")
IDENTITY_GRANTS = by_tests(f"{PLATFORM}test_identity_holds_the_roles_azure_ml_needs_on_each_dependency")
DIAGNOSTICS = by_tests(f"{PLATFORM}test_every_diagnosed_resource_reports_to_log_analytics")
WAIT = by_tests(f"{PLATFORM}test_workspace_is_created_after_its_dependencies_and_identity_access")
CONFIG_SECRETS = by_tests("components/test_config.py::test_errors_never_show_a_secret_keys_value")
PREMIUM_ONLY = by_tests("components/test_config.py::test_premium_only_registry_features_are_refused_on_basic")
NEAR_MISS = by_tests("components/test_config.py::test_a_near_miss_of_the_namespace_is_refused_naming_the_key")
DATA_ON_LAKE = by_tests("components/test_data.py::test_a_datastore_on_another_account_is_referenced_and_granted_on_its_container") + KEY_REACHES
CLUSTERS = by_tests("components/test_compute.py::test_clusters_run_as_the_compute_identity_without_public_ip_ssh_or_keys")
INSTANCE = by_tests("components/test_compute.py::test_a_compute_instance_belongs_to_its_user")
REPLACED = by_tests("components/test_compute.py::test_changes_azure_cannot_make_in_place_are_replacements")
BAD_COMPUTE = by_tests("components/test_compute.py::test_bad_compute_config_is_refused_naming_the_key")
CLUSTER_DEFAULTS = by_tests("components/test_compute.py::test_a_cluster_declared_by_type_alone_gets_the_model_defaults")
PERSONAS_ON_LAKE = by_tests("components/test_data.py::test_readers_only_read_a_writable_datastore_on_another_account")
BAD_DATA = by_tests("components/test_data.py::test_bad_data_config_is_refused_naming_the_key")
TRAINING_DATA = by_tests("components/test_data.py::test_training_data_is_an_identity_based_datastore_on_a_private_container")
IRIS = by_tests("components/test_data.py::test_dev_declares_the_iris_sample_as_an_immutable_version_that_stays_in_azure")
PUBLISHED = by_tests("components/test_data.py::test_a_published_version_with_another_path_stops_the_preview",
                     "components/test_data.py::test_a_published_version_unchanged_passes",
                     "components/test_data.py::test_a_published_version_of_another_type_stops_the_preview",
                     "components/test_data.py::test_a_published_version_whose_path_differs_in_case_stops_the_preview",
                     "components/test_data.py::test_published_properties_handed_over_as_an_object_are_compared_too")
NET = "components/test_network.py::"
REACHABLE = rule("private-endpoints") + by_tests(f"{NET}test_every_closed_dependency_is_reachable_through_private_endpoints")
DNS = by_tests(f"{NET}test_each_endpoint_registers_in_its_private_dns_zones_linked_to_the_vnet")
VNET_TESTS = by_tests(f"{NET}test_the_stack_vnet_has_an_endpoint_and_a_client_subnet")
OUTBOUND = by_tests(f"{NET}test_outbound_rules_from_config_and_for_datastores_elsewhere")
PACKAGES = by_tests(f"{NET}test_prod_allows_package_repositories_behind_a_managed_firewall")
BAD_NETWORK = by_tests(f"{NET}test_bad_network_config_is_refused_naming_the_key")
NARROW = by_tests(f"{NET}test_hub_and_rule_defaults_are_the_narrow_ones")
HUB_TESTS = by_tests(f"{NET}test_a_hub_peering_is_declared_from_the_stacks_side_with_the_hubs_zones_and_firewall")
MONITOR_SCOPE = by_tests(f"{NET}test_closed_monitoring_is_reached_through_an_azure_monitor_private_link_scope")
CUSTOMER_KEY = by_tests(f"{PLATFORM}test_customer_managed_key_is_granted_before_the_workspace_uses_it")
EP, AL = "components/test_endpoints.py::", "components/test_alerts.py::"
SERVED = by_tests(f"{EP}test_each_stack_serves_the_iris_endpoint_with_its_own_identity")
ENDPOINT_ROLES = by_tests(f"{EP}test_the_endpoint_identity_holds_only_serving_roles")
TELEMETRY = by_tests(f"{EP}test_telemetry_to_entra_only_application_insights_is_granted")
DEPLOYED = by_tests(f"{EP}test_a_deployment_serves_its_pinned_model_after_the_grants")
TRAFFIC_PUT = by_tests(f"{EP}test_traffic_is_set_by_a_second_put_after_the_deployments")
MIRRORED = by_tests(f"{EP}test_mirror_traffic_and_a_second_deployment_reach_the_traffic_put")
AUTOSCALED = by_tests(f"{EP}test_autoscale_follows_cpu_on_the_deployment", f"{EP}test_autoscale_declared_empty_scales_between_one_and_three_instances")
FIXED_COUNT = by_tests(f"{EP}test_a_deployment_without_autoscale_keeps_its_count")
WAITING = by_tests(f"{EP}test_a_deployment_waits_for_its_model_version")
UNREGISTERED = by_tests(f"{EP}test_an_unregistered_model_cannot_take_traffic_from_a_live_deployment")
REFERENCES = by_tests(f"{EP}test_registry_models_environments_and_scoring_code_are_referenced")
LEGACY_EGRESS = by_tests(f"{EP}test_a_closed_workspace_without_a_managed_network_closes_deployment_egress")
NEW_TYPE = by_tests(f"{EP}test_a_new_instance_type_is_refused_naming_the_blue_green_path",
                    f"{EP}test_the_same_instance_type_passes_in_any_case_and_as_an_object")
BAD_ENDPOINT = by_tests(f"{EP}test_bad_endpoint_config_is_refused_naming_the_key")
CLOSED_ENDPOINT = by_tests(f"{EP}test_a_closed_endpoint_needs_the_private_endpoints")
PROD_ENDPOINT = by_tests(f"{EP}test_prod_refuses_keys_and_a_public_endpoint")
ACTION_GROUP = by_tests(f"{AL}test_the_action_group_tells_the_stacks_receivers")
METRIC_ALERTS = by_tests(f"{AL}test_metric_alerts_watch_the_endpoint_its_deployments_and_the_workspace")
LISTED_METRICS = by_tests(f"{AL}test_every_metric_is_one_azure_monitor_lists_for_its_resource_type")
LOG_ALERT = by_tests(f"{AL}test_the_log_alert_measures_the_5xx_share_of_the_endpoints_traffic_log")
THRESHOLDS = by_tests(f"{AL}test_thresholds_and_receivers_come_from_config")
BAD_ALERTS = by_tests(f"{AL}test_bad_alert_config_is_refused_naming_the_key")

ASSERTED: dict[str, dict[str, tuple[str, ...]]] = {
    "alerts.py": {
        "ENDPOINT_METRICS": METRIC_ALERTS + LISTED_METRICS,
        "DEPLOYMENT_METRICS": METRIC_ALERTS + LISTED_METRICS,
        "WORKSPACE_METRICS": METRIC_ALERTS + LISTED_METRICS,
        "SEVERITY": METRIC_ALERTS + LOG_ALERT,
        "MIN_REQUESTS_FOR_ERROR_SHARE": LOG_ALERT,
        "AlertsConfig.failed_jobs_per_hour": METRIC_ALERTS + THRESHOLDS,
        "AlertsConfig.failed_jobs_per_hour:ge": BAD_ALERTS,
        "Alerts.__init__: super().__init__('…', name, common)": by_tests(f"{PLATFORM}test_components_parent_their_children"),
        **{f"Alerts.{method}: self._metric_alert[{index}]": METRIC_ALERTS + LISTED_METRICS
           for method in ("__init__", "_watch_endpoint") for index in (0, 1, 3, 4, 6)},
        "Alerts.__init__: self._metric_alert.window": METRIC_ALERTS,
        "self._metric_alert.frequency": METRIC_ALERTS,
        "Alerts._watch_endpoint: self._metric_alert.window": METRIC_ALERTS,
        "Alerts._watch_endpoint: (('…', '…', '…', thresholds.cpu_percent), ('…', '…', '…', thresholds.memory_percent))":
            METRIC_ALERTS + LISTED_METRICS,
        "ActionGroup.location": ACTION_GROUP,
        "ActionGroup.group_short_name": ACTION_GROUP,
        "ActionGroup.enabled": ACTION_GROUP,
        "ActionGroup.email_receivers": ACTION_GROUP,
        "monitor.MicrosoftCommonEmailReceiverArgs.use_common_alert_schema": ACTION_GROUP + THRESHOLDS,
        "monitor.WebhookReceiverArgs.use_common_alert_schema": THRESHOLDS,
        "MetricAlert.location": METRIC_ALERTS,
        "MetricAlert.enabled": METRIC_ALERTS,
        "MetricAlert.auto_mitigate": METRIC_ALERTS,
        "monitor.MetricAlertSingleResourceMultipleMetricCriteriaArgs.odata_type": METRIC_ALERTS,
        "monitor.MetricCriteriaArgs.criterion_type": METRIC_ALERTS,
        "monitor.MetricCriteriaArgs.skip_metric_validation": METRIC_ALERTS,
        "monitor.MetricDimensionArgs.operator": METRIC_ALERTS,
        "Alerts._error_share_alert: query = '…'.join(('…', f'…{endpoint.name}…', '…', f'…{MIN_REQUESTS_FOR_ERROR_SHARE}', '…'))": LOG_ALERT,
        **{f"ScheduledQueryRule.{argument}": LOG_ALERT for argument in (
            "kind", "severity", "enabled", "evaluation_frequency", "window_size", "skip_query_validation")},
        "ScheduledQueryRule.auto_mitigate": LOG_ALERT,
        **{f"monitor.ConditionArgs.{argument}": LOG_ALERT for argument in ("time_aggregation", "metric_measure_column", "operator")},
        "monitor.ConditionFailingPeriodsArgs.number_of_evaluation_periods": LOG_ALERT,
        "monitor.ConditionFailingPeriodsArgs.min_failing_periods_to_alert": LOG_ALERT,
    },
    "endpoints.py": {
        "ENDPOINT_IDENTITY_ROLES": ENDPOINT_ROLES,
        "TELEMETRY_ROLE": TELEMETRY,
        "ENDPOINT_API_VERSION": TRAFFIC_PUT,
        "ENDPOINT_SET_ELSEWHERE": SERVED,
        "pulumi.CustomTimeouts.create": DEPLOYED,
        "pulumi.CustomTimeouts.update": DEPLOYED,
        "pulumi.CustomTimeouts.delete": DEPLOYED,
        "Endpoints.__init__: super().__init__('…', name, common)": by_tests(f"{PLATFORM}test_components_parent_their_children"),
        "self.context.names.instance[0]": SERVED + by_tests(f"{EP}test_long_endpoint_keys_still_make_region_unique_names_within_32_characters"),
        "UserAssignedIdentity.resource_name_": SERVED,
        "self._grant[0]": ENDPOINT_ROLES,
        "OnlineEndpoint.replace_on_changes": SERVED,
        "OnlineEndpoint.delete_before_replace": SERVED,
        "Endpoints._grant: scopes = {'…': dependencies.storage_account, '…': dependencies.container_registry, '…': dependencies.workspace.id}":
            ENDPOINT_ROLES,
        "Endpoints._grant: scopes['…'], roles['…'] = (dependencies.entra_only_telemetry, (TELEMETRY_ROLE,))": TELEMETRY,
        "Endpoints._model_ready: return ...": REFERENCES,
        "Endpoints._model_ready: model = f\"{reference['…']}…{reference['…']}\"": WAITING + by_tests(
            f"{EP}test_a_serving_deployment_is_refused_a_model_version_that_does_not_exist"),
        "Endpoints._model_ready: pulumi.RunError[0]": by_tests(f"{EP}test_a_serving_deployment_is_refused_a_model_version_that_does_not_exist"),
        "SCALE_COOLDOWN": AUTOSCALED,
        "Endpoints._deployment: held_count = held_field(held, '…', '…')": by_tests(f"{EP}test_under_autoscale_an_update_keeps_the_count_azure_holds"),
        "Endpoints._refuse_new_instance_type: instance_type = held_field(held, '…', '…')": NEW_TYPE,
        "Endpoints._model_ready: found = existing(ml.get_model_version, resource_group_name=dependencies.resource_group_name, "
        "workspace_name=dependencies.workspace_name, name=reference['…'], version=reference['…'])": WAITING,
        "OnlineDeployment.ignore_changes": DEPLOYED + FIXED_COUNT,
        "ml.SkuArgs.name": DEPLOYED,
        "Endpoints._deployment_properties: return dict(endpoint_compute_type='…', description=settings.description, "
        "model=self._asset_id('…', settings.model), instance_type=settings.instance_type, scale_settings=ml.DefaultScaleSettingsArgs(scale_type='…'), "
        "request_settings=ml.OnlineRequestSettingsArgs(request_timeout=iso_duration(settings.request_settings.request_timeout_ms / ...), "
        "max_concurrent_requests_per_instance=settings.request_settings.max_concurrent_requests_per_instance), "
        "liveness_probe=_probe(settings.liveness_probe), readiness_probe=_probe(settings.readiness_probe), "
        "app_insights_enabled=settings.app_insights_enabled, egress_public_network_access=dependencies.egress_public_network_access, "
        "environment_id=self._asset_id('…', settings.environment) if settings.environment else None, "
        "code_configuration=ml.CodeConfigurationArgs(code_id=self._asset_id('…', code.asset), scoring_script=code.scoring_script) if code else None, "
        "environment_variables=dict(settings.environment_variables) or None)": DEPLOYED + REFERENCES,
        "Endpoints._deployment_properties: self._asset_id[0]": DEPLOYED + REFERENCES,
        "ml.DefaultScaleSettingsArgs.scale_type": DEPLOYED,
        "ml.OnlineRequestSettingsArgs.request_timeout": DEPLOYED + REFERENCES,
        "Endpoints._asset_id: pulumi.Output.concat[1]": DEPLOYED + REFERENCES,
        "Endpoints._set_traffic: deployments and sum(traffic.values()) != ...": UNREGISTERED + WAITING,
        "Endpoints._set_traffic: late = '…'.join((d for d in waiting if settings.traffic.get(d)))": UNREGISTERED,
        "Endpoints._set_traffic: endpoint_resource = {'…': '…', '…': ENDPOINT_API_VERSION, '…': pulumi.Output.concat(self._dependencies.workspace.name, '…', endpoint.name), "
        "'…': self.context.location, '…': dict(self.context.tags), '…': identity.id.apply(lambda id_: {'…': '…', '…': {id_: {}}}), "
        "'…': {'…': settings.auth_mode, '…': settings.public_network_access, **({'…': settings.description} if settings.description else {}), "
        "'…': traffic, '…': mirror}}": TRAFFIC_PUT + MIRRORED,
        "Endpoints._set_traffic: pulumi.Output.concat[1]": TRAFFIC_PUT,
        "Deployment.deployment_name": TRAFFIC_PUT,
        "resources.DeploymentPropertiesArgs.mode": TRAFFIC_PUT,
        "resources.DeploymentPropertiesArgs.template": TRAFFIC_PUT,
        "Endpoints._autoscale: cpu = {'…': '…', '…': '…', '…': deployment.id, '…': '…', '…': '…', '…': '…', '…': '…'}": AUTOSCALED + LISTED_METRICS,
        "monitor.ScaleActionArgs.type": AUTOSCALED,
        "monitor.ScaleActionArgs.value": AUTOSCALED,
        "AutoscaleSetting.autoscale_setting_name": AUTOSCALED,
        "AutoscaleSetting.enabled": AUTOSCALED,
        "monitor.AutoscaleProfileArgs.rules": AUTOSCALED,
        "Endpoints._outputs: return {'…': endpoint.name, '…': endpoint.id, '…': endpoint.properties.scoring_uri, '…': settings.auth_mode, "
        "'…': served.identity.principal_id, '…': {name: {'…': settings.deployments[name].model, '…': settings.deployments[name].instance_type} "
        "for name in served.deployments}, '…': {name: share for name, share in settings.traffic.items() if name in served.deployments}, "
        "'…': list(served.waiting)}": SERVED + WAITING + by_tests("components/test_platform.py::test_outputs_give_tools_what_they_need"),
        "ml.ManagedServiceIdentityArgs.type": rule("online-endpoint-own-identity") + SERVED,
    },
    "endpoints_config.py": {
        "_ASSET": BAD_ENDPOINT + REFERENCES,
        "WORKSPACE_MODEL": BAD_ENDPOINT + REFERENCES + DEPLOYED,
        "REGISTRY_ASSET": BAD_ENDPOINT + REFERENCES,
        **{f"Probe.{field}": DEPLOYED + REFERENCES for field in (
            "initial_delay_seconds", "period_seconds", "timeout_seconds", "failure_threshold", "success_threshold")},
        "RequestSettings.request_timeout_ms": DEPLOYED,
        "RequestSettings.request_timeout_ms:le": BAD_ENDPOINT,
        "RequestSettings.max_concurrent_requests_per_instance": DEPLOYED,
        "Autoscale.min_instances": AUTOSCALED,
        "Autoscale.max_instances": AUTOSCALED,
        "Autoscale.scale_out_cpu_percent": AUTOSCALED,
        "Autoscale.scale_in_cpu_percent": AUTOSCALED,
        "DeploymentConfig.instance_type": MIRRORED,
        "DeploymentConfig.instance_count": MIRRORED,
        "DeploymentConfig.app_insights_enabled": DEPLOYED,
        "DeploymentConfig.environment_defaults": DEPLOYED + ENVIRONMENT_DEFAULTS,
        **{f"EndpointAlerts.{field}": METRIC_ALERTS + THRESHOLDS for field in (
            "latency_ms", "server_errors_per_minute", "cpu_percent", "memory_percent")},
        "EndpointAlerts.server_error_percent": LOG_ALERT + THRESHOLDS,
        "EndpointConfig.auth_mode": SERVED + rule("online-endpoint-entra-auth"),
        "EndpointConfig.public_network_access": SERVED + rule("online-endpoint-private"),
        "EndpointConfig.environment_defaults": SERVED + ENVIRONMENT_DEFAULTS,
        "EndpointConfig.prod_floor": FLOOR + PROD_ENDPOINT,
        "EndpointConfig._traffic_names_deployments: (('…', self.traffic), ('…', self.mirror_traffic))": BAD_ENDPOINT,
        "EndpointConfig._traffic_names_deployments: known = '…'.join(self.deployments) or '…'": BAD_ENDPOINT,
        "EndpointConfig._traffic_names_deployments: self.deployments and total != ...": BAD_ENDPOINT,
        "EndpointConfig._traffic_names_deployments: shares = '…'.join((f'{name}…{share}' for name, share in self.traffic.items())) or '…'": BAD_ENDPOINT,
        "EndpointConfig._traffic_names_deployments: len(mirrored) > ...": BAD_ENDPOINT + MIRRORED,
        "EndpointConfig._deployment_names_unique: refuse_names_equal_but_for_case('…', self.deployments)": BAD_ENDPOINT,
    },
    "access.py": {
        "PERSONA_ROLES": by_tests(f"{PLATFORM}test_personas_expand_to_every_grant_they_need") + KEY_REACHES,
        # The default scope: an explicit grant without one meets the persona's workspace grant.
        "RoleAssignmentConfig.scope": by_tests(
            f"{PLATFORM}test_a_grant_both_a_persona_and_an_explicit_entry_give_is_made_once"),
        # A grant's logical name and the seed of its Azure name.
        "_assignment: return RoleAssignment(principal_id, role_id, principal_type, f'{principal_id}…{role_id}', description)": URN,
        "DATA_ROLES": DATA_ON_LAKE,
        "PERSONA_DATA_ACCESS": DATA_ON_LAKE + PERSONAS_ON_LAKE,
        "external_data_assignments: role = DATA_ROLES['…' if '…' in (access, PERSONA_DATA_ACCESS[persona]) else '…']":
            DATA_ON_LAKE + PERSONAS_ON_LAKE,
        "persona_members: members['…'] += tuple((Principal(principal_id=user, principal_type='…', description='…') for user in instance_users))":
            by_tests("components/test_compute.py::test_the_instance_user_can_work_on_it"),
    },
    "base.py": {
        "cls[2]": IDENTITY_GRANTS,  # the identity's grants are to a ServicePrincipal
        "cls[3]": URN,
        "monitor.DiagnosticSetting[0]": URN + SINCE_THE_SPLIT,
        "authorization.ManagementLockByScope[0]": URN,
        "authorization.RoleAssignment[0]": URN,
        "PlatformComponent.assign_roles: self._options[0]": URN + UPGRADED_GRANTS,
        # An identity's grants are named by group and scope key: a new name is a new grant.
        "self.assign_roles[0]": by_tests(f"{COMPUTE_TESTS}test_the_compute_identity_holds_only_what_jobs_need") + ENDPOINT_ROLES,
        "PlatformComponent._send_diagnostics: self._options[0]": URN,
        "PlatformComponent._send_diagnostics: monitor.DiagnosticsLogSettingsArgs.enabled": DIAGNOSTICS,
        "_NOT_FOUND": PUBLISHED + IRIS + WAITING,
        "PlatformComponent.propagated: seconds == ...": by_tests(f"{PLATFORM}test_the_wait_can_be_tuned_or_left_out") + WAIT,
        "Sleep.create_duration": WAIT + KEY_REACHES,
        "Sleep.triggers": WAIT,
        "monitor.DiagnosticsMetricSettingsArgs.enabled": DIAGNOSTICS,
        "GRANT_PREFIX": URN,
        "_subscription_of: isinstance(scope, str) and scope.lower().startswith('…')": by_tests(
            "components/test_network.py::test_outbound_rules_from_config_and_for_datastores_elsewhere"),
        "_subscription_of: return scope.split('…')[...]": by_tests(
            "components/test_network.py::test_outbound_rules_from_config_and_for_datastores_elsewhere"),
        "PRE_SPLIT_PARENT": URN,
        "DiagnosticCategories.logs": DIAGNOSTICS,
        "DiagnosticCategories.metrics": DIAGNOSTICS,
        "LOCKED_TYPES": rule("lock") + by_tests(f"{PLATFORM}test_prod_locks_only_where_no_routine_change_needs_a_delete"),
        "DIAGNOSTIC_CATEGORIES": rule("diagnostics") + DIAGNOSTICS,
        "PlatformComponent.assign_roles: seed = f'{GRANT_PREFIX}…{group}'": URN,
        "PlatformComponent._lock: lock == '…'": rule("lock") + ENVIRONMENT_DEFAULTS + KEY_REACHES,
        "_pre_split_alias: parent_urn = f'…{pulumi.get_stack()}…{pulumi.get_project()}…{parent_type}…{parent_name}'": URN,
    },
    "config.py": {
        # The namespace of every key, and the managed-by tag.
        "PROJECT": KEY_REACHES + by_tests(f"{PLATFORM}test_every_resource_is_tagged"),
        "StackConfig.prefix": MODEL_DEFAULT,
        "StackConfig.lock": MODEL_DEFAULT + FLOOR,
        "StackConfig.protect": MODEL_DEFAULT + FLOOR,
        "StackConfig.diagnostics": MODEL_DEFAULT + FLOOR,
        "StackConfig.environment_defaults": ENVIRONMENT_DEFAULTS,
        "StackConfig.prod_floor": FLOOR,
        "StackConfig.deployment_egress: closed = self.workspace.isolation_mode == '…' and self.workspace.public_network_access == '…'":
            DEPLOYED + LEGACY_EGRESS,
        "StackConfig.deployment_egress: return '…' if closed else '…'": DEPLOYED + LEGACY_EGRESS,
        "StackConfig._compute_names_unique: refuse_names_equal_but_for_case('…', self.computes)": BAD_COMPUTE,
        "StackConfig._network_fits_the_workspace: endpoint.public_network_access == '…' and (not network.private_endpoints)": CLOSED_ENDPOINT,
        "StackConfig._network_fits_the_workspace: mode == '…'": by_tests(f"{NET}test_rules_the_workspace_network_cannot_take_are_refused"),
        "StackConfig._network_fits_the_workspace: isinstance(rule, (FqdnRule, ServiceTagRule)) and mode != '…'":
            by_tests(f"{NET}test_rules_the_workspace_network_cannot_take_are_refused"),
        "StackConfig.monitoring_closed: return '…' in (monitoring.public_network_access_for_ingestion, monitoring.public_network_access_for_query)":
            MONITOR_SCOPE + by_tests(f"{NET}test_open_monitoring_has_no_private_link_scope"),
        "StackConfig.external_storage: return {key: (store.storage_account_id, ('…', '…') if store.type == '…' else ('…',)) "
        "for key, store in self.datastores.items() if store.storage_account_id}": OUTBOUND,
        "StackConfig.managed_firewall_sku: approved_only = self.workspace.isolation_mode == '…'": PACKAGES + by_tests(
            f"{NET}test_dev_is_reached_over_the_internet"),
        "StackConfig.computes": MODEL_DEFAULT + by_tests("components/test_compute.py::test_every_stack_has_a_cpu_cluster_and_staging_and_prod_the_image_builder"),
        "StackConfig._image_build_compute_exists: clusters = '…'.join((key for key, c in self.computes.items() if isinstance(c, ClusterConfig))) or '…'":
            by_tests("components/test_compute.py::test_the_image_build_compute_must_be_a_declared_cluster"),
        "StackConfig._datastores_valid: settings.datastore not in self.datastores and settings.datastore != '…'":
            BAD_DATA + by_tests("components/test_data.py::test_data_on_the_system_blob_store_needs_no_datastore"),
        "StackConfig._closed_registry_needs_build_compute: closed = self.container_registry.network.public_network_access == '…'":
            by_tests("components/test_config.py::test_bad_input_is_refused_with_a_message_naming_the_key"),
        # Reading the stack config: the environment and every key of the namespace reach the model.
        "_validated: environment = values.get('…', stack)": KEY_REACHES,
        "_validated: return load_settings(StackConfig, {**values, '…': environment}, environment, namespace=PROJECT)": KEY_REACHES,
        "_parse_values: namespace, _, name = key.partition('…')": KEY_REACHES,
        "_parse_values: isinstance(value, str) and value.lstrip()[:...] in ('…', '…')": KEY_REACHES,
        # A near miss of the namespace is refused rather than left unread.
        "_misplaced_keys: namespace != PROJECT and difflib.get_close_matches(namespace.lower(), [PROJECT], cutoff=...)":
            NEAR_MISS,
        "_misplaced_keys: namespace, _, name = key.partition('…')": NEAR_MISS,
        # Errors never quote a secret key's value (issue #10).
        "_QUOTED_VALUE": CONFIG_SECRETS,
        "_without_secret_values: about_secret = re.compile(f\"…{'…'.join(map(re.escape, secret_keys))}…\")": CONFIG_SECRETS,
        "_without_secret_values: return '…'.join((_QUOTED_VALUE.sub('…', line) if about_secret.match(line) else line for line in message.splitlines()))":
            CONFIG_SECRETS,
    },
    "compute.py": {
        "COMPUTE_IDENTITY_ROLES": by_tests(f"{COMPUTE_TESTS}test_the_compute_identity_holds_only_what_jobs_need"),
        "INSTANCE_IDENTITY_ROLES": by_tests(f"{COMPUTE_TESTS}test_instances_mount_the_file_share_as_the_instance_identity"),
        "IMAGE_BUILD_IDENTITY_ROLES": by_tests(f"{COMPUTE_TESTS}test_only_the_image_build_cluster_can_push_images"),
        "REPLACED_ON_CHANGE": REPLACED,
        "INSTANCE_SET_AT_CREATION": REPLACED,
        "Compute.delete_before_replace": REPLACED,
        "IDLE_SHUTDOWN_MINUTES": BAD_COMPUTE + rule("compute-instance-idle-shutdown"),
        "DEFAULT_COMPUTES": by_tests(f"{COMPUTE_TESTS}test_every_stack_has_a_cpu_cluster_and_staging_and_prod_the_image_builder"),
        "IMAGE_BUILDER": by_tests(f"{COMPUTE_TESTS}test_every_stack_has_a_cpu_cluster_and_staging_and_prod_the_image_builder",
                                  f"{COMPUTE_TESTS}test_cluster_settings_per_environment"),
        "ClusterConfig.vm_size": by_tests(f"{COMPUTE_TESTS}test_cluster_settings_per_environment") + KEY_REACHES + CLUSTER_DEFAULTS,
        "ClusterConfig.priority": by_tests(f"{COMPUTE_TESTS}test_cluster_settings_per_environment") + KEY_REACHES + CLUSTER_DEFAULTS,
        "ClusterConfig.min_nodes": rule("compute-cluster-scales-to-zero") + CLUSTERS,
        "ClusterConfig.min_nodes:ge": BAD_COMPUTE,
        "ClusterConfig.max_nodes": by_tests(f"{COMPUTE_TESTS}test_cluster_settings_per_environment") + KEY_REACHES + CLUSTER_DEFAULTS,
        "ClusterConfig.max_nodes:ge": BAD_COMPUTE,
        "ClusterConfig.idle_seconds_before_scale_down": by_tests(f"{COMPUTE_TESTS}test_cluster_settings_per_environment") + KEY_REACHES + CLUSTER_DEFAULTS,
        "ClusterConfig.idle_seconds_before_scale_down:ge": BAD_COMPUTE,
        "ClusterConfig.environment_defaults": ENVIRONMENT_DEFAULTS + by_tests(f"{COMPUTE_TESTS}test_cluster_settings_per_environment"),
        "ClusterConfig.prod_floor": FLOOR + by_tests(f"{COMPUTE_TESTS}test_prod_clusters_scale_to_zero"),
        "ComputeInstanceConfig.vm_size": KEY_REACHES + INSTANCE,
        "ComputeInstanceConfig.idle_minutes_before_shutdown": INSTANCE + rule("compute-instance-idle-shutdown"),
        "ComputeInstanceConfig.idle_minutes_before_shutdown:ge": BAD_COMPUTE,
        "ComputeInstanceConfig.idle_minutes_before_shutdown:le": BAD_COMPUTE,
        "InstanceSchedule.time_zone": INSTANCE + KEY_REACHES,
        "Compute.__init__: super().__init__('…', name, common)": by_tests(f"{PLATFORM}test_components_parent_their_children"),
        "Compute.__init__: UserAssignedIdentity.resource_name_": CLUSTERS + by_tests(f"{COMPUTE_TESTS}test_each_identity_is_an_azure_identity_of_its_own"),
        "Compute.__init__: self._grant[0]": by_tests(f"{COMPUTE_TESTS}test_the_compute_identity_holds_only_what_jobs_need"),
        "Compute._grant: scopes = {'…': self._dependencies.storage_account, '…': self._dependencies.container_registry}":
            by_tests(f"{COMPUTE_TESTS}test_the_compute_identity_holds_only_what_jobs_need"),
        "Compute._compute: compute_name, properties = (context.names.instance('…', key), self._instance(settings))": INSTANCE,
        "ml.AmlComputeArgs.compute_type": CLUSTERS,
        "ml.AmlComputeArgs.disable_local_auth": rule("compute-local-auth-disabled") + CLUSTERS,
        "ml.AmlComputePropertiesArgs.os_type": CLUSTERS,
        "ml.AmlComputePropertiesArgs.remote_login_port_public_access": rule("compute-cluster-ssh-closed") + CLUSTERS,
        "ml.ComputeInstanceArgs.compute_type": INSTANCE,
        "ml.ComputeInstanceArgs.disable_local_auth": rule("compute-local-auth-disabled") + INSTANCE,
        "ml.ComputeInstancePropertiesArgs.application_sharing_policy": rule("compute-instance-personal") + INSTANCE,
        "ml.ComputeInstancePropertiesArgs.compute_instance_authorization_type": INSTANCE,
        "ml.ComputeInstancePropertiesArgs.idle_time_before_shutdown": rule("compute-instance-idle-shutdown") + INSTANCE,
        "ml.ComputeInstanceSshSettingsArgs.ssh_public_access": rule("compute-instance-ssh-closed") + INSTANCE,
        "ml.ComputeStartStopScheduleArgs.status": INSTANCE,
        "ml.ComputeStartStopScheduleArgs.trigger_type": INSTANCE,
        "ml.ManagedServiceIdentityArgs.type": CLUSTERS + INSTANCE,
        "_schedules: actions = {'…': schedule.start, '…': schedule.stop}": INSTANCE + KEY_REACHES,
    },
    "data.py": {
        "BlobContainer.public_access": rule("blob-container-private") + TRAINING_DATA,
        "BlobContainer.stateful": TRAINING_DATA,
        "ml.NoneDatastoreCredentialsArgs.credentials_type": rule("datastore-identity-based") + TRAINING_DATA,
        "ml.AzureBlobDatastoreArgs.datastore_type": TRAINING_DATA,
        "ml.AzureDataLakeGen2DatastoreArgs.datastore_type": DATA_ON_LAKE,
        "Data._datastore: common = dict(credentials=credentials, account_name=account_name, subscription_id=subscription_id, "
        "resource_group=resource_group, endpoint='…', protocol='…', description=store.description, "
        "service_data_access_auth_identity='…')": TRAINING_DATA,
        "Data._datastore: properties = ml.AzureBlobDatastoreArgs(datastore_type='…', container_name=container, **common) "
        "if store.type == '…' else ml.AzureDataLakeGen2DatastoreArgs(datastore_type='…', filesystem=container, **common)":
            TRAINING_DATA + DATA_ON_LAKE,
        "Data._datastore: _, subscription_id, _, resource_group, *_, account_name = store.storage_account_id.strip('…').split('…')":
            DATA_ON_LAKE,
        "Data._grant_external: preview = RoleAssignment.for_identity(dependencies.workspace_principal_id, DATA_ROLES['…'], '…')":
            DATA_ON_LAKE,
        "Data._grant_external: jobs = RoleAssignment.for_identity(dependencies.compute_principal_id, DATA_ROLES[store.access], '…')":
            DATA_ON_LAKE,
        "Data._grant_external: self.assign_roles[0]": DATA_ON_LAKE,
        "self._grant_external[1]": DATA_ON_LAKE,
        "DataContainer.retain_on_delete": IRIS,
        "DataVersion.retain_on_delete": IRIS,
        "IMMUTABLE_VERSION_INPUTS": IRIS,
        "DataVersionConfig.archived": IRIS + KEY_REACHES,
        "DatastoreConfig.type": TRAINING_DATA + KEY_REACHES
        + by_tests(f"{DATA_TESTS}test_a_datastore_on_another_account_is_a_blob_container_unless_declared_adls"),
        "DatastoreConfig.access": DATA_ON_LAKE,
        "DatastoreConfig._adls_is_external: self.type == '…' and self.storage_account_id is None": BAD_DATA,
        "DataAssetConfig.versions:min_length": BAD_DATA,
        "SYSTEM_DATASTORES": BAD_DATA,
        "DEFAULT_DATASTORES": TRAINING_DATA,
        "DEV_DATA_ASSETS": IRIS + ENVIRONMENT_DEFAULTS,
        "container_name: return store.container or key.replace('…', '…')": TRAINING_DATA,
        "data_uri: return f'…{subscription_id}…{resource_group}…{workspace}…{datastore}…{path}'": IRIS + PUBLISHED,
        "_DATASTORE_PATH": PUBLISHED,
        "_location: match = _DATASTORE_PATH.fullmatch(uri or '…')": PUBLISHED,
        "_location: return (match.group(...).lower(), match.group(...)) if match else None": PUBLISHED,
        "Data._refuse_changed_version: published is None or (_location(published.get('…')), published.get('…')) == (_location(uri), data_type)":
            PUBLISHED,
        "published_version: return {'…': held_field(found, '…', '…'), '…': held_field(found, '…', '…')}": PUBLISHED,
        "_next_version: return str(int(version) + ...) if version.isdigit() else f'{version}…'": PUBLISHED,
        "pulumi.RunError[0]": PUBLISHED,
        "_VERSION_ARGS": IRIS + DATA_ON_LAKE,
        "Data.__init__: super().__init__('…', name, common)": by_tests(f"{PLATFORM}test_components_parent_their_children"),
    },
    "network_config.py": {
        "TARGET_GROUPS": REACHABLE,
        "ZONES": DNS,
        "PACKAGE_REPOSITORIES": PACKAGES,
        "NetworkConfig.private_endpoints": MODEL_DEFAULT + FLOOR + REACHABLE,
        "NetworkConfig.prod_floor": FLOOR,
        "NetworkConfig.environment_defaults": ENVIRONMENT_DEFAULTS + by_tests(f"{NET}test_dev_is_reached_over_the_internet"),
        "NetworkConfig.address_space": MODEL_DEFAULT + VNET_TESTS,
        "NetworkConfig.private_endpoint_subnet": MODEL_DEFAULT + VNET_TESTS,
        "NetworkConfig.client_subnet": MODEL_DEFAULT + VNET_TESTS,
        "NetworkConfig.package_repositories": MODEL_DEFAULT + PACKAGES,
        "NetworkConfig.firewall_sku": MODEL_DEFAULT + PACKAGES,
        "NetworkConfig.dns_zone_groups_by_policy": KEY_REACHES + by_tests(f"{NET}test_zone_groups_can_be_left_to_azure_policy"),
        "NetworkConfig._subnets_fit: subnets = {'…': self.private_endpoint_subnet, '…': self.client_subnet}": BAD_NETWORK,
        "NetworkConfig._subnets_fit: needed = sum((len(groups) for groups in TARGET_GROUPS.values())) + ... + ...": BAD_NETWORK,
        "NetworkConfig._subnets_fit: placed['…'].num_addresses < needed": BAD_NETWORK,
        "NetworkConfig._zone_ids_name_their_zones: not zone_id.lower().endswith(f'…{zone}')": BAD_NETWORK,
        "HubConfig.use_remote_gateways": KEY_REACHES + HUB_TESTS + NARROW,
        "SUBRESOURCES": BAD_NETWORK + OUTBOUND,
        "PrivateEndpointRule._subresource_of_the_target: provider_type = '…'.join(self.resource_id.split('…', ...)[...].split('…')[:...]).lower()":
            BAD_NETWORK + OUTBOUND,
        "self.resource_id.split[0]": BAD_NETWORK + OUTBOUND,
        "self.resource_id.split[1]": BAD_NETWORK + OUTBOUND,
        "ServiceTagRule.protocol": OUTBOUND + NARROW,
        "ServiceTagRule.port_ranges": OUTBOUND + NARROW,
        "needed_zones: groups = [group for groups in TARGET_GROUPS.values() for group in groups] + (['…'] if monitoring else [])":
            MONITOR_SCOPE + DNS,
    },
    "network.py": {
        "RULE_TIMEOUT": by_tests(f"{NET}test_outbound_rules_wait_long_enough_for_the_managed_firewall"),
        "Network.__init__: super().__init__('…', name, common)": REACHABLE,
        "Network.__init__: {**TARGET_GROUPS, '…': ('…',)}.items()": REACHABLE + MONITOR_SCOPE,
        "Network.__init__: self._targets['…'] = NetworkTarget(scope.id, scope_name)": MONITOR_SCOPE,
        "Network.__init__: self.private_endpoints[f'{target_key}…{group}'] = self._private_endpoint(target_key, group, subnet_id, zone_ids)":
            REACHABLE,
        "Network._subnet: self._subnet_in[1]": VNET_TESTS,
        "self._subnet_in.egress": by_tests(f"{NET}test_the_client_subnet_reaches_the_internet_through_a_nat_gateway"),
        "Network._egress: return {'…': network.RouteTableArgs(id=routes.id)}": HUB_TESTS,
        "Network._egress: return {'…': network.SubResourceArgs(id=gateway.id)}":
            by_tests(f"{NET}test_the_client_subnet_reaches_the_internet_through_a_nat_gateway"),
        "network.RouteArgs.address_prefix": HUB_TESTS,
        "network.RouteArgs.next_hop_type": HUB_TESTS,
        "network.NatGatewaySkuArgs.name": by_tests(f"{NET}test_the_client_subnet_reaches_the_internet_through_a_nat_gateway"),
        "network.PublicIPAddressSkuArgs.name": by_tests(f"{NET}test_the_client_subnet_reaches_the_internet_through_a_nat_gateway"),
        "PublicIPAddress.public_ip_allocation_method": by_tests(f"{NET}test_the_client_subnet_reaches_the_internet_through_a_nat_gateway"),
        "Network._private_endpoint: endpoint_name = context.names.instance('…', f'…{target.name}…{group}')":
            by_tests(f"{NET}test_the_workspace_endpoint_comes_after_the_workspace"),
        "PrivateEndpoint.custom_network_interface_name": REACHABLE,
        "Subnet.default_outbound_access": VNET_TESTS,
        "Subnet.private_endpoint_network_policies": VNET_TESTS,
        "VirtualNetwork.ignore_changes": VNET_TESTS,
        "PrivateZone.location": DNS,
        "VirtualNetworkLink.location": DNS,
        "VirtualNetworkLink.registration_enabled": DNS,
        "VirtualNetworkPeering.allow_forwarded_traffic": HUB_TESTS,
        "VirtualNetworkPeering.allow_virtual_network_access": HUB_TESTS,
        "self._zone_ids[1]": by_tests(f"{NET}test_an_existing_subnet_and_the_hubs_zones_create_no_network_of_their_own") + HUB_TESTS,
        "PrivateLinkScope.location": MONITOR_SCOPE,
        "monitor.AccessModeSettingsArgs.ingestion_access_mode": MONITOR_SCOPE,
        "monitor.AccessModeSettingsArgs.query_access_mode": MONITOR_SCOPE,
        "Network._outbound_rules: mode == '…'": by_tests(f"{NET}test_dev_is_reached_over_the_internet",
                                                        f"{NET}test_internet_outbound_still_reaches_datastores_elsewhere_privately"),
        "Network._outbound_rules: endpoints[f'…{key}…{subresource}'] = (account, subresource)": OUTBOUND,
        "Network._approvals: approver = RoleAssignment.for_identity(self._dependencies.workspace_principal_id, '…', '…')": OUTBOUND,
        "ml.FqdnOutboundRuleArgs.type": PACKAGES,
        "ml.FqdnOutboundRuleArgs.category": PACKAGES,
        "ml.ServiceTagOutboundRuleArgs.type": OUTBOUND,
        "ml.ServiceTagOutboundRuleArgs.category": OUTBOUND,
        "ml.ServiceTagDestinationArgs.action": OUTBOUND,
        "ml.ServiceTagDestinationArgs.port_ranges": OUTBOUND,
        "ml.PrivateEndpointOutboundRuleArgs.type": OUTBOUND,
        "ml.PrivateEndpointOutboundRuleArgs.category": OUTBOUND,
        "ml.PrivateEndpointDestinationArgs.spark_enabled": OUTBOUND,
    },
    "container_registry.py": {
        "Registry.stateful": rule("protect"),
        "Registry.moved_from": URN,
        "Registry.admin_user_enabled": rule("registry-no-admin-user"),
        "Registry.anonymous_pull_enabled": rule("registry-no-anonymous-pull"),
        "Registry.network_rule_bypass_options": FIXED,
        "Registry.zone_redundancy": rule("registry-zone-redundant") + KEY_REACHES,
        "self.grant_people[0]": PEOPLE,
        "self.grant_people.moved": UPGRADED_GRANTS,
        "containerregistry.RetentionPolicyArgs.status": rule("registry-retention") + KEY_REACHES,
        "containerregistry.ExportPolicyArgs.status": KEY_REACHES + MODEL_DEFAULT,
        "containerregistry.IPRuleArgs.action": KEY_REACHES,
        "ContainerRegistryConfig.sku": MODEL_DEFAULT + FLOOR,
        "ContainerRegistryConfig.zone_redundancy": MODEL_DEFAULT + FLOOR,
        "ContainerRegistryConfig.untagged_retention_days": MODEL_DEFAULT,
        "ContainerRegistryConfig.quarantine_policy": MODEL_DEFAULT,
        "ContainerRegistryConfig.environment_defaults": ENVIRONMENT_DEFAULTS,
        "ContainerRegistryConfig.prod_floor": FLOOR,
        "ContainerRegistryConfig._premium_features: self.sku == '…'": PREMIUM_ONLY,
        # Basic refuses a closed network: dev's Basic registry with its open network passes.
        "ContainerRegistryConfig._premium_features: premium_only = {'…': self.zone_redundancy, '…': self.quarantine_policy, "
        "'…': self.network.public_network_access == '…', '…': self.network.default_action == '…', "
        "'…': bool(self.network.allowed_ip_ranges)}": PREMIUM_ONLY + ENVIRONMENT_DEFAULTS,
        "ContainerRegistry.__init__: super().__init__('…', name, common)": URN,
        # Premium alone gets network rules and policies: Basic's plan has neither.
        "ContainerRegistry.__init__: premium = settings.sku == '…'": rule("registry-retention") + ENVIRONMENT_DEFAULTS,
        "_policies.status: return '…' if enabled else '…'": rule("registry-retention") + KEY_REACHES,
    },
    "key_vault.py": {
        "Vault.stateful": rule("protect"),
        "Vault.moved_from": URN,
        "self.grant_people[0]": PEOPLE,
        "self.grant_people.moved": UPGRADED_GRANTS,
        "keyvault.VaultPropertiesArgs.enable_rbac_authorization": rule("key-vault-rbac"),
        "keyvault.VaultPropertiesArgs.enable_soft_delete": rule("key-vault-soft-delete"),
        "keyvault.VaultPropertiesArgs.enable_purge_protection": rule("key-vault-purge-protection") + KEY_REACHES,
        "keyvault.SkuArgs.family": FIXED,
        "keyvault.SkuArgs.name": FIXED,
        "keyvault.NetworkRuleSetArgs.bypass": FIXED,
        "KeyVaultConfig.purge_protection": MODEL_DEFAULT + FLOOR,
        "KeyVaultConfig.soft_delete_retention_days": MODEL_DEFAULT,
        "KeyVaultConfig.environment_defaults": ENVIRONMENT_DEFAULTS,
        "KeyVaultConfig.prod_floor": FLOOR,
        "KeyVault.__init__: super().__init__('…', name, common)": URN,
    },
    "monitoring.py": {
        "Workspace[1]": URN,
        "Workspace.stateful": rule("protect"),
        "Component[1]": URN,
        "Component.kind": FIXED,
        "Component.application_type": FIXED,
        "Component.ingestion_mode": rule("app-insights-workspace-based"),
        "operationalinsights.WorkspaceSkuArgs.name": FIXED,
        "operationalinsights.WorkspaceFeaturesArgs.enable_log_access_using_only_resource_permissions": FIXED,
        "MonitoringConfig.retention_days": MODEL_DEFAULT,
        "MonitoringConfig.local_auth": MODEL_DEFAULT + FLOOR,
        "MonitoringConfig.public_network_access_for_ingestion": MODEL_DEFAULT,
        "MonitoringConfig.public_network_access_for_query": MODEL_DEFAULT,
        "MonitoringConfig.environment_defaults": ENVIRONMENT_DEFAULTS,
        "MonitoringConfig.prod_floor": FLOOR,
        "Monitoring.__init__: super().__init__('…', name, common)": URN,
    },
    "resource_group.py": {
        "self.grant_people[0]": PEOPLE,
        # The id of an existing group, which people's grants on it are scoped to.
        "pulumi.Output.from_input[0]": UPGRADED_GRANTS,
        "ResourceGroup.__init__: super().__init__('…', name, common)": URN,
    },
    "roles.py": {
        "BUILTIN_ROLES": by_tests(f"{HERE}test_builtin_roles_are_azures_role_ids"),
        "role_definition_id: return f'…{subscription_id}…{resolve_role(role)}'":
            by_tests(f"{HERE}test_every_grant_names_a_builtin_role_definition_of_the_subscription"),
    },
    "storage.py": {
        **{f"storage.CorsRuleArgs.{argument}": rule("storage-studio-cors") + by_tests(f"{HERE}test_studio_cors_rule_is_declared_exactly")
           for argument in ("allowed_origins", "allowed_methods", "allowed_headers", "exposed_headers", "max_age_in_seconds")},
        "StorageAccount.stateful": rule("protect"),
        "StorageAccount.moved_from": URN,
        "StorageAccount.kind": FIXED,
        "StorageAccount.minimum_tls_version": rule("storage-tls12"),
        "StorageAccount.enable_https_traffic_only": rule("storage-https-only"),
        "StorageAccount.allow_blob_public_access": rule("storage-no-public-blobs"),
        "StorageAccount.allow_shared_key_access": rule("storage-no-shared-key"),
        "StorageAccount.default_to_o_auth_authentication": FIXED,
        "StorageAccount.allow_cross_tenant_replication": FIXED,
        "storage.DeleteRetentionPolicyArgs.enabled": rule("storage-blob-soft-delete", "storage-container-soft-delete"),
        "BlobServiceProperties[1]": URN + SINCE_THE_SPLIT,
        "BlobServiceProperties.moved_from": URN,
        "BlobServiceProperties.is_versioning_enabled": rule("storage-versioning"),
        "self.grant_people[0]": PEOPLE,
        "self.grant_people.moved": UPGRADED_GRANTS,
        "storage.NetworkRuleSetArgs.bypass": rule("storage-network-deny") + FIXED,
        "storage.EncryptionArgs.key_source": FIXED,
        "storage.EncryptionArgs.require_infrastructure_encryption": FIXED,
        "REDUNDANT_SKUS": rule("storage-redundant") + by_tests("policies/test_floor.py::test_the_weakest_values_the_floor_accepts_pass_the_baseline"),
        "StorageConfig.sku": MODEL_DEFAULT + FLOOR,
        "StorageConfig.soft_delete_retention_days": MODEL_DEFAULT,
        "StorageConfig.environment_defaults": ENVIRONMENT_DEFAULTS,
        "StorageConfig.prod_floor": FLOOR,
        "Storage.__init__: super().__init__('…', name, common)": URN,
    },
    "values.py": {
        # Every resource id the config takes: refused when not one (each kind's bad-config case).
        "_IN_A_GROUP": BAD_DATA + BAD_NETWORK,
        "arm_id: return matching(_IN_A_GROUP + provider_path, f'{what}…{example}…')": BAD_DATA + BAD_NETWORK,
        "_cidr: '…' not in value": by_tests("components/test_network.py::test_bad_network_config_is_refused_naming_the_key"),
        "NetworkAccess.public_network_access": MODEL_DEFAULT,
        "NetworkAccess.default_action": MODEL_DEFAULT + FLOOR,
        "OPEN_NETWORK": ENVIRONMENT_DEFAULTS,
        # IP ranges are refused where Azure ignores them: the batch with ranges has them open and Deny.
        "NetworkAccess._ip_rules_take_effect: self.allowed_ip_ranges and self.public_network_access == '…'": KEY_REACHES,
        "NetworkAccess._ip_rules_take_effect: self.allowed_ip_ranges and self.default_action == '…'": KEY_REACHES,
        **{f"iso_duration: {statement}": INSTANCE + KEY_REACHES + DEPLOYED + REFERENCES for statement in (
            "hours, rest = divmod(int(seconds), ...)",
            "minutes, whole_seconds = divmod(rest, ...)",
            "seconds = whole_seconds + round(seconds - int(seconds), ...)",
            "parts = [f'{value:…}{unit}' for value, unit in ((hours, '…'), (minutes, '…'), (seconds, '…')) if value]",
            "return '…' + ('…'.join(parts) or '…')",
        )},
    },
    "workspace.py": {
        "UserAssignedIdentity[1]": URN,
        "Workspace.__init__: self._grant_identity[0]": URN,
        "Workspace.__init__: self._grant_identity[2]": IDENTITY_GRANTS,
        "Workspace._customer_key_access: self._grant_identity[2]": CUSTOMER_KEY,
        "self.grant_people[0]": PEOPLE,
        "self.assign_roles[0]": URN,
        "Workspace[1]": URN,
        "Workspace.stateful": rule("protect"),
        "Workspace.kind": FIXED,
        "Workspace.provision_network_now": rule("workspace-network-provisioned") + KEY_REACHES,
        "Workspace.system_datastores_auth_mode": rule("workspace-identity-datastores"),
        "Workspace.v1_legacy_mode": rule("workspace-no-v1-legacy"),
        "machinelearningservices.EncryptionPropertyArgs.status": CUSTOMER_KEY,
        "machinelearningservices.SkuArgs.name": FIXED,
        "machinelearningservices.SkuArgs.tier": FIXED,
        "machinelearningservices.ManagedServiceIdentityArgs.type": rule("workspace-user-assigned-identity"),
        "WorkspaceConfig.description": MODEL_DEFAULT,
        "WorkspaceConfig.public_network_access": MODEL_DEFAULT + FLOOR,
        "WorkspaceConfig.isolation_mode": MODEL_DEFAULT + FLOOR,
        "WorkspaceConfig.hbi": MODEL_DEFAULT + FLOOR,
        "WorkspaceConfig.image_build_compute": MODEL_DEFAULT,
        "WorkspaceConfig.role_assignment_wait_seconds": MODEL_DEFAULT + WAIT,
        # 0 leaves the wait out.
        "WorkspaceConfig.role_assignment_wait_seconds:ge": by_tests(f"{PLATFORM}test_the_wait_can_be_tuned_or_left_out"),
        "WorkspaceConfig.environment_defaults": ENVIRONMENT_DEFAULTS,
        "WorkspaceConfig.prod_floor": FLOOR,
        "_APPROVER": IDENTITY_GRANTS,
        "IDENTITY_ROLES": IDENTITY_GRANTS,
        "Workspace.__init__: super().__init__('…', name, common)": URN,
        "Workspace.__init__: scopes = {'…': dependencies.resource_group, '…': dependencies.storage_account, '…': dependencies.key_vault, "
        "'…': dependencies.container_registry, '…': dependencies.application_insights}": IDENTITY_GRANTS,
    },
}

AZURES_RANGE = "Azure's own limit for the value: outside it Azure refuses the request, nothing is weakened"
NAME_ONLY = "a name or description Azure shows; no access or protection depends on it"
OUTPUTS = "stack output names for tools (test_outputs_give_tools_what_they_need holds those tools read)"

NOT_SECURITY_RELEVANT: dict[str, dict[str, str]] = {
    "alerts.py": {
        "AlertsConfig.email_receivers:max_length": AZURES_RANGE,
        "Alerts.__init__: self._metric_alert.description": NAME_ONLY,
        "Alerts._watch_endpoint: self._metric_alert.description": NAME_ONLY,
        "self.finish[0]": OUTPUTS,
        "ActionGroup[1]": "the logical name of the action group",
        "ActionGroup.action_group_name": NAME_ONLY,
        "monitor.MicrosoftCommonEmailReceiverArgs.name": NAME_ONLY,
        "monitor.WebhookReceiverArgs.name": NAME_ONLY,
        "MetricAlert[1]": "the logical name of a metric alert",
        "monitor.MetricCriteriaArgs.name": NAME_ONLY,
        "ScheduledQueryRule[1]": "the logical name of the log alert",
        "ScheduledQueryRule.rule_name": NAME_ONLY,
        "ScheduledQueryRule.description": NAME_ONLY,
    },
    "endpoints.py": {
        "self._endpoint[0]": "the logical names of an endpoint's resources",
        "self.grant_identity[4]": NAME_ONLY,
        "self.finish[0]": OUTPUTS,
        "UserAssignedIdentity[1]": "the logical name of an endpoint's identity",
        "OnlineEndpoint[1]": "the logical name of an endpoint",
        "pulumi.log.warn[0]": "the warning's text, a message",
        "OnlineDeployment[1]": "the logical name of a deployment",
        "self._autoscale[0]": "the logical name of a deployment's autoscale setting",
        "Endpoints._refuse_new_instance_type: pulumi.RunError[0]": "an error message (its text is asserted by the test of the refusal)",
        "Endpoints._set_traffic: pulumi.RunError[0]": "an error message (its text is asserted by the test of the refusal)",
        "Deployment[1]": "the logical name of the traffic PUT",
        "AutoscaleSetting[1]": "the logical name of an autoscale setting",
        "monitor.AutoscaleProfileArgs.name": NAME_ONLY,
    },
    "endpoints_config.py": {
        **{f"Probe.{field}:{bound}": AZURES_RANGE for field in (
            "initial_delay_seconds", "period_seconds", "timeout_seconds", "failure_threshold", "success_threshold") for bound in ("ge", "le")},
        "RequestSettings.request_timeout_ms:ge": AZURES_RANGE,
        "RequestSettings.max_concurrent_requests_per_instance:ge": AZURES_RANGE,
        "RequestSettings.max_concurrent_requests_per_instance:le": AZURES_RANGE,
        **{f"Autoscale.{field}:{bound}": AZURES_RANGE for field in (
            "min_instances", "max_instances", "scale_out_cpu_percent", "scale_in_cpu_percent") for bound in ("ge", "le")},
        "DeploymentConfig.instance_count:ge": AZURES_RANGE,
        "DeploymentConfig.instance_count:le": AZURES_RANGE,
        "DeploymentConfig.description:max_length": AZURES_RANGE,
        **{f"EndpointAlerts.{field}:{bound}": "a threshold's sensible range; the threshold itself is asserted" for field, bound in (
            ("latency_ms", "ge"), ("latency_ms", "le"), ("server_errors_per_minute", "ge"), ("server_error_percent", "gt"),
            ("server_error_percent", "le"), ("cpu_percent", "ge"), ("cpu_percent", "le"), ("memory_percent", "ge"), ("memory_percent", "le"))},
        "EndpointConfig.description:max_length": AZURES_RANGE,
    },
    "network_config.py": {
        "_rule_name: return fqdn.replace('…', '…').replace('…', '…')": NAME_ONLY,
    },
    "network.py": {
        "VirtualNetwork[1]": "the logical name of the VNet",
        "Subnet[1]": "the logical name of a subnet",
        "NetworkSecurityGroup[1]": "the logical name of a subnet's NSG",
        "NetworkSecurityGroup.network_security_group_name": NAME_ONLY,
        "RouteTable[1]": "the logical name of the clients subnet's routes",
        "RouteTable.route_table_name": NAME_ONLY,
        "network.RouteArgs.name": NAME_ONLY,
        "PublicIPAddress[1]": "the logical name of the NAT gateway's address",
        "PublicIPAddress.public_ip_address_name": NAME_ONLY,
        "NatGateway[1]": "the logical name of the NAT gateway",
        "NatGateway.nat_gateway_name": NAME_ONLY,
        "VirtualNetworkPeering[1]": "the logical name of the peering",
        "VirtualNetworkPeering.virtual_network_peering_name": NAME_ONLY,
        "PrivateZone[1]": "the logical name of a zone",
        "VirtualNetworkLink[1]": "the logical name of a zone's link",
        "PrivateEndpoint[1]": "the logical name of a private endpoint",
        "PrivateDnsZoneGroup[1]": "the logical name of a zone group",
        "PrivateDnsZoneGroup.private_dns_zone_group_name": NAME_ONLY,
        "network.PrivateDnsZoneConfigArgs.name": NAME_ONLY,
        "ManagedNetworkSettingsRule[1]": "the logical name of an outbound rule",
        "PrivateLinkScope[1]": "the logical name of the monitor scope",
        "self.assign_roles[0]": "the seed of an approver grant's names (new in #9: no deployed name to keep yet)",
        "PrivateLinkScopedResource[1]": "the logical name of a scoped resource",
        "Network._monitor_scope: scope_name = f\"…{context.names.workspace.removeprefix('…')}\"": NAME_ONLY,
        "pulumi.Output.from_input(resource_id).apply[0]": NAME_ONLY,
        "Network._zone: key = zone.removeprefix('…').replace('…', '…')": "the logical name of a zone",
        "Network.__init__: outputs['…'] = subnet_id": OUTPUTS,
        "Network.__init__: outputs['…'] = zone_ids": OUTPUTS,
        "Network.__init__: outputs['…'] = {key: endpoint.id for key, endpoint in self.private_endpoints.items()}": OUTPUTS,
        "Network._subnet: outputs: dict = {'…': vnet.id}": OUTPUTS,
        "Network._subnet: outputs['…'] = clients.id": OUTPUTS,
        "self.finish[0]": OUTPUTS,
    },
    "compute.py": {
        "ClusterConfig.description:max_length": AZURES_RANGE,
        "ComputeInstanceConfig.description:max_length": AZURES_RANGE,
        "ClusterConfig.min_nodes:le": AZURES_RANGE,
        "ClusterConfig.max_nodes:le": AZURES_RANGE,
        "ClusterConfig.idle_seconds_before_scale_down:le": AZURES_RANGE,
        "Compute.__init__: UserAssignedIdentity[1]": "the logical name of the compute identity",
        "Compute[1]": "the logical name of a compute",
        "self.grant_identity[4]": NAME_ONLY,
        "self.finish[0]": OUTPUTS,
    },
    "data.py": {
        "BlobContainer[1]": "the logical name of a datastore's container",
        "Datastore[1]": "the logical name of a datastore",
        "DataContainer[1]": "the logical name of a data asset",
        "DataVersion[1]": "the logical name of a data version",
        "DatastoreConfig.description:max_length": AZURES_RANGE,
        "DataAssetConfig.description:max_length": AZURES_RANGE,
        "DataAssetConfig.tags:max_length": AZURES_RANGE,
        "DataVersionConfig.description:max_length": AZURES_RANGE,
        "Data._asset: return {'…': key, '…': container.id, '…': asset.type, '…': versions}": OUTPUTS,
        "Data._asset: versions[version] = {'…': uri, '…': f'…{key}…{version}', '…': settings.archived}": OUTPUTS,
        "self.finish[0]": OUTPUTS,
    },
    "access.py": {
        "Principal.description:max_length": AZURES_RANGE,
        "_description: return principal.description or f'…{PersonasConfig.model_fields[persona].alias}'": NAME_ONLY,
        "RoleAssignmentConfig.description:max_length": AZURES_RANGE,
    },
    "base.py": {
        "Sleep[1]": "the logical name of a wait: a new one only waits again",
        "monitor.DiagnosticSetting.name": NAME_ONLY,
        "authorization.ManagementLockByScope.lock_name": NAME_ONLY,
        "authorization.ManagementLockByScope.notes": NAME_ONLY,
        # __main__.py passes every knob from the validated stack config.
        "CommonArgs.lock": "never used: __main__.py passes the stack config's lock",
        "CommonArgs.protect": "never used: __main__.py passes the stack config's protect",
        "PlatformContext.placement: return {'…': self.resource_group_name, '…': self.location, '…': self.tags}":
            "argument names (resource_group_name, location, tags): a wrong one fails every capture",
    },
    "config.py": {
        "StackConfig._datastores_valid: known = '…'.join([*self.datastores, '…'])": "the error message's list of datastores",
        "StackConfig.computes:validate_default": "pydantic builds the default items as models",
        "StackConfig.datastores:validate_default": "pydantic builds the default items as models",
        "_valid: return ...": "whether a derived container name is valid, asserted as an error by test_bad_data_config_is_refused_naming_the_key",
        "StackConfig.tags:max_length": AZURES_RANGE,
        "_misplaced_keys: problems.append(f'{key}…{namespace}…{PROJECT}…{name}…')": "the error message",
    },
    "container_registry.py": {
        "self.finish[0]": OUTPUTS,
        "ContainerRegistryConfig.untagged_retention_days:ge": AZURES_RANGE + " (the prod floor asks at least 1)",
        "ContainerRegistryConfig.untagged_retention_days:le": AZURES_RANGE,
    },
    "key_vault.py": {
        "self.finish[0]": OUTPUTS,
        "KeyVaultConfig.soft_delete_retention_days:ge": AZURES_RANGE,
        "KeyVaultConfig.soft_delete_retention_days:le": AZURES_RANGE,
    },
    "monitoring.py": {
        "self.finish[0]": OUTPUTS,
        "MonitoringConfig.retention_days:ge": AZURES_RANGE,
        "MonitoringConfig.retention_days:le": AZURES_RANGE,
        "MonitoringConfig.daily_quota_gb:gt": "a cap on cost, not on access",
    },
    "resource_group.py": {
        "self.finish[0]": OUTPUTS,
    },
    "roles.py": {
        "_GUID": "parses role GUIDs in the config; test_config.py holds what it accepts",
        "_ROLE_DEFINITION_ID": "parses role definition ids in the config; test_config.py holds what it accepts",
        "resolve_role: return match.group(...).lower()": "parses role definition ids in the config",
    },
    "storage.py": {
        "StorageAccount.access_tier": "the blob access tier sets cost and latency, not access",
        "BlobServiceProperties.blob_services_name": "the only name Azure accepts for a blob service",
        "self.finish[0]": OUTPUTS,
        "StorageConfig.soft_delete_retention_days:ge": AZURES_RANGE,
        "StorageConfig.soft_delete_retention_days:le": AZURES_RANGE,
    },
    "values.py": {
        "_region: spelled = value.lower().replace('…', '…')": "spelling hints for a mistyped region",
        "_region: close = [spelled] if spelled in REGIONS else difflib.get_close_matches(spelled, sorted(REGIONS), n=...)":
            "spelling hints for a mistyped region",
        "_region: hint = f'…{close[...]}…' if close else '…'": "spelling hints for a mistyped region",
    },
    "workspace.py": {
        # No stack file has a customer-managed key yet: no earlier URN to keep.
        "Workspace._customer_key_access: self._grant_identity[0]": "the logical name of the customer-managed key's grant",
        "self.finish[0]": OUTPUTS,
        "WorkspaceConfig.friendly_name:max_length": AZURES_RANGE,
        "WorkspaceConfig.description:max_length": AZURES_RANGE,
        "WorkspaceConfig.role_assignment_wait_seconds:le": "an upper bound on a wait, well above the 120 s default",
        "Workspace._grant_identity: assignments = [RoleAssignment.for_identity(self.identity.principal_id, role, '…') for role in roles]":
            NAME_ONLY,
    },
}


def scanned_files() -> list[Path]:
    return sorted(path for path in COMPONENTS.glob("*.py") if path.name not in NOT_SCANNED)


def test_every_component_file_is_scanned_or_excused():
    assert set(NOT_SCANNED) <= {path.name for path in COMPONENTS.glob("*.py")}
    assert {path.name for path in scanned_files()} == set(ASSERTED) | set(NOT_SECURITY_RELEVANT)


@pytest.mark.parametrize("path", scanned_files(), ids=lambda path: path.name)
def test_every_literal_is_asserted_or_excused(path):
    sites = set(literal_sites(path))
    asserted, excused = ASSERTED.get(path.name, {}), NOT_SECURITY_RELEVANT.get(path.name, {})
    assert not set(asserted) & set(excused), "a site is both asserted and excused"
    assert sorted(sites - set(asserted) - set(excused)) == [], "literals that nothing asserts: add a row"
    assert sorted((set(asserted) | set(excused)) - sites) == [], "rows for literals that are gone"


@functools.cache
def defined_tests(path: Path) -> set[str]:
    return {node.name for node in ast.parse(path.read_text()).body if isinstance(node, ast.FunctionDef)}


def test_the_listing_names_rules_and_tests_that_exist():
    rules = {r.id for r in RULES} | PLAN_RULES
    for file, rows in ASSERTED.items():
        for site, references in rows.items():
            assert references, f"{file} {site}: names nothing"
            for reference in references:
                kind, name = reference.split(" ", 1)
                if kind == "rule":
                    assert name in rules, f"{file} {site}: no rule {name!r}"
                else:
                    test_file, function = name.split("::")
                    assert function in defined_tests(TESTS / test_file), f"{file} {site}: no test {name}"
    for file, rows in NOT_SECURITY_RELEVANT.items():
        assert all(reason.strip() for reason in rows.values()), file


def test_the_scanner_finds_each_kind_of_site():
    """The listing is only as complete as the scanner: each kind of site, on a sample."""
    source = '''
from pulumi_azure_native import storage
LIMIT = 3
name_of_type = "x"
class Section:
    field: int = Field(default=1, ge=0)
    table = {"dev": {"a": 1}}
class Thing:
    def __init__(self):
        super().__init__("t:m:T", "n")
        self.declare(storage.StorageAccount, "name", kind="StorageV2", tier=settings.tier)
        args = storage.SkuArgs(name="Standard_LRS" if cheap else None)
        if self.seconds == 0:
            raise ValueError("message")
'''
    assert set(_Scanner(source).sites()) == {
        "LIMIT", "Section.field", "Section.field:ge", "Section.table",
        "Thing.__init__: super().__init__('…', '…')", "StorageAccount[1]", "StorageAccount.kind",
        "storage.SkuArgs.name", "Thing.__init__: self.seconds == ...",
    }


# --- plan assertions that no baseline rule or other test makes -----------------------------------

NS = "azure-native"
STORAGE, BLOB_SERVICE = f"{NS}:storage:StorageAccount", f"{NS}:storage:BlobServiceProperties"
KEY_VAULT, REGISTRY = f"{NS}:keyvault:Vault", f"{NS}:containerregistry:Registry"
LOG_ANALYTICS, APP_INSIGHTS = f"{NS}:operationalinsights:Workspace", f"{NS}:applicationinsights:Component"
WORKSPACE, ROLE = f"{NS}:machinelearningservices:Workspace", f"{NS}:authorization:RoleAssignment"

# Settings that hold in every environment: (type, input path) → value.
FIXED_SETTINGS = {
    # StorageV2: the kind with every setting below; Entra ID for the portal too; no copies to other
    # tenants; a second layer of encryption at rest, with Microsoft's keys.
    (STORAGE, "kind"): "StorageV2",
    (STORAGE, "defaultToOAuthAuthentication"): True,
    (STORAGE, "allowCrossTenantReplication"): False,
    (STORAGE, "encryption"): {"keySource": "Microsoft.Storage", "requireInfrastructureEncryption": True},
    # Trusted Azure services (Azure ML among them) pass the network rules, even open ones.
    (STORAGE, "networkRuleSet.bypass"): "AzureServices",
    (KEY_VAULT, "properties.networkAcls.bypass"): "AzureServices",
    (REGISTRY, "networkRuleBypassOptions"): "AzureServices",
    # No content trust: Docker Content Trust is deprecated and new registries asking for it are
    # refused (ContentTrustUnsupported); policies/baseline.py NOT_APPLICABLE says so for CKV_AZURE_164.
    (REGISTRY, "policies.trustPolicy"): None,
    (KEY_VAULT, "properties.sku"): {"family": "A", "name": "standard"},
    # Pay-per-GB: the tier whose retention the config sets (the legacy free tier keeps 7 days).
    (LOG_ANALYTICS, "sku"): {"name": "PerGB2018"},
    # Readers of a resource see its logs, and only those: no workspace-wide read.
    (LOG_ANALYTICS, "features"): {"enableLogAccessUsingOnlyResourcePermissions": True},
    (APP_INSIGHTS, "kind"): "web",
    (APP_INSIGHTS, "applicationType"): "web",
    (WORKSPACE, "kind"): "Default",
    (WORKSPACE, "sku"): {"name": "Basic", "tier": "Basic"},
}

# The rule Azure ML writes onto its storage's blob service for studio (components/storage.py says
# where it comes from). Exactly this: a different rule makes every `up` rewrite it.
STUDIO_CORS_RULE = {
    "allowedOrigins": [
        "https://mlworkspace.azure.ai", "https://ml.azure.com", "https://*.ml.azure.com", "https://ai.azure.com",
        "https://*.ai.azure.com", "https://mlworkspacecanary.azure.ai", "https://mlworkspace.azureml-test.net",
    ],
    "allowedMethods": ["GET", "HEAD", "PUT", "DELETE", "OPTIONS", "POST", "PATCH"],
    "allowedHeaders": ["*"],
    "exposedHeaders": ["*"],
    "maxAgeInSeconds": 1800,
}

# Azure's built-in role definition ids ("Azure built-in roles"), the same in every tenant: a wrong
# GUID grants another role.
AZURE_ROLE_IDS = {
    "AcrPull": "7f951dda-4ed3-4680-a7ca-43fe172d538d",
    "AzureML Metrics Writer (preview)": "635dd51f-9968-44d3-b7fb-6d9a6bd613ae",
    "AcrPush": "8311e382-0749-4cb8-b61a-304f252e45ec",
    "Azure AI Enterprise Network Connection Approver": "b556d68e-0be0-4f35-a333-ad7ee1ce17ea",
    "AzureML Compute Operator": "e503ece1-11d0-4e8e-8e2c-7a6c3bf38815",
    "AzureML Data Scientist": "f6c7c914-8db3-469d-8ca1-694a8f32e121",
    "Contributor": "b24988ac-6180-42a0-ab88-20f7382dd24c",
    "Key Vault Administrator": "00482a5a-887f-4fb3-b363-3b7fe8e74483",
    "Key Vault Crypto Service Encryption User": "e147488a-f6f5-4113-8e2d-b22465e65bf6",
    "Log Analytics Reader": "73c42c96-874c-492b-b04d-ab87d138a893",
    "Monitoring Contributor": "749f88d5-cbae-40b8-bcfc-e573ddc772fa",
    "Monitoring Metrics Publisher": "3913510d-42f4-4e42-8a64-420c390055eb",
    "Reader": "acdd72a7-3385-48ef-bd42-f606fba81ae7",
    "Storage Account Contributor": "17d1049b-9a84-46fb-8f53-869881c3d3ab",
    "Storage Blob Data Contributor": "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
    "Storage Blob Data Reader": "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
    "Storage File Data Privileged Contributor": "69566ab7-960f-475b-8e7c-b3118f30c6bd",
    "Storage File Data Privileged Reader": "b8eda974-7b85-4f76-af95-65846b26df6d",
    "Storage Queue Data Contributor": "974c5e8b-45b9-4653-ba55-5f855dd0fb88",
    "Storage Table Data Contributor": "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3",
}


@pytest.mark.parametrize(("resource_type", "path"), FIXED_SETTINGS, ids=lambda item: str(item).rsplit(":", 1)[-1])
def test_fixed_settings_hold_in_every_stack(resource_type, path, stack_plans):
    for stack in ("dev", "staging", "prod"):
        assert input_at(stack_plans[stack].one(resource_type).inputs, path) == FIXED_SETTINGS[resource_type, path], stack


def test_studio_cors_rule_is_declared_exactly(plan):
    assert plan.one(BLOB_SERVICE).inputs["cors"] == {"corsRules": [STUDIO_CORS_RULE]}


def test_builtin_roles_are_azures_role_ids():
    assert BUILTIN_ROLES == AZURE_ROLE_IDS


def test_every_grant_names_a_builtin_role_definition_of_the_subscription(plan):
    definitions = f"/subscriptions/{plan.outputs['subscriptionId']}/providers/Microsoft.Authorization/roleDefinitions/"
    for grant in plan.of_type(ROLE):
        role_id = grant.inputs["roleDefinitionId"]
        assert role_id.startswith(definitions) and role_id.removeprefix(definitions) in AZURE_ROLE_IDS.values(), grant.name


# The URNs the resources moved into components have had since the split (#6). The URNs before the
# split that test_no_resource_changes_its_urn holds are only aliases of these: a moved resource
# renamed now keeps that alias and passes there, yet `up` would replace it on every stack since.
URNS_SINCE_THE_SPLIT = [
    f"urn:pulumi:prod::azureml-platform::azureml-platform:{component}${resource_type}::{name}"
    for component, resource_type, name in [
        ("storage:Storage", STORAGE, "storage"),
        ("storage:Storage", BLOB_SERVICE, "storage-blob-service"),
        ("storage:Storage", f"{NS}:monitor:DiagnosticSetting", "storage-diagnostics"),
        ("storage:Storage", f"{NS}:monitor:DiagnosticSetting", "storage-blob-service-diagnostics"),
        ("keyvault:KeyVault", KEY_VAULT, "key-vault"),
        ("keyvault:KeyVault", f"{NS}:monitor:DiagnosticSetting", "key-vault-diagnostics"),
        ("containerregistry:ContainerRegistry", REGISTRY, "container-registry"),
        ("containerregistry:ContainerRegistry", f"{NS}:monitor:DiagnosticSetting", "container-registry-diagnostics"),
    ]
]


def test_moved_resources_keep_the_urns_they_have_had_since_the_split(stack_plans):
    urns = {resource.urn for resource in stack_plans["prod"].resources}
    assert [urn for urn in URNS_SINCE_THE_SPLIT if urn not in urns] == []


def test_people_grants_keep_their_pre_split_urns_and_scopes():
    """Grants on storage, key vault and registry were children of the workspace component before
    the split: they carry that URN as an alias, or `up` would replace them (RoleAssignmentExists).
    A grant on an existing group is scoped to that group's id."""
    scopes = ("workspace", "resourceGroup", "storage", "keyVault", "containerRegistry")
    principals = {scope: f"3f2504e0-4f89-41d3-9a0c-0305e82c34{index:02d}" for index, scope in enumerate(scopes)}
    config = load_stack_config("staging")
    config["azureml-platform:existingResourceGroup"] = "rg-shared-ml"
    config["azureml-platform:roleAssignments"] = [
        {"principalId": principal, "principalType": "Group", "role": "Reader", "scope": scope}
        for scope, principal in principals.items()
    ]
    plan = capture_plan("staging", config=config)
    by_scope = {scope: next(g for g in plan.of_type(ROLE) if g.inputs["principalId"] == principal)
                for scope, principal in principals.items()}
    before_split = "urn:pulumi:staging::azureml-platform::azureml-platform:workspace:Workspace$" + ROLE + "::"
    moved = {scope for scope, grant in by_scope.items()
             if grant.parent != plan.one(WORKSPACE).parent and f"{before_split}{grant.name}" in grant.aliases}
    assert moved == {"storage", "keyVault", "containerRegistry"}
    assert by_scope["resourceGroup"].inputs["scope"] == (
        f"/subscriptions/{plan.outputs['subscriptionId']}/resourceGroups/rg-shared-ml")

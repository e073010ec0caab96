"""The two HTTP APIs: management (Twilio-compatible, ``$default`` route) and redirect (short links)."""

from __future__ import annotations

import json
from dataclasses import dataclass

import jsii
from aws_cdk import Fn, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

ACCESS_LOG_FIELDS = {
    "requestId": "$context.requestId",
    "ip": "$context.identity.sourceIp",
    "requestTime": "$context.requestTime",
    "domainName": "$context.domainName",
    "method": "$context.httpMethod",
    "path": "$context.path",
    "routeKey": "$context.routeKey",
    "status": "$context.status",
    "protocol": "$context.protocol",
    "responseLength": "$context.responseLength",
    "responseLatency": "$context.responseLatency",
    "integrationLatency": "$context.integrationLatency",
    "integrationError": "$context.integrationErrorMessage",
    "userAgent": "$context.identity.userAgent",
}


@dataclass(frozen=True)
class Throttle:
    rate_per_second: int
    burst: int


# Stage-wide defaults; AWS's account-level limit (10,000 rps) still applies above them.
MANAGEMENT_THROTTLE = Throttle(rate_per_second=500, burst=1000)
REDIRECT_THROTTLE = Throttle(rate_per_second=5000, burst=5000)
# A short link and the domain's root, GET and HEAD (link previews); anything else is API Gateway's own
# 404 or 405, without invoking the function.
REDIRECT_ROUTES = (
    apigwv2.HttpRouteKey.with_("/{slug}", apigwv2.HttpMethod.GET),
    apigwv2.HttpRouteKey.with_("/{slug}", apigwv2.HttpMethod.HEAD),
    apigwv2.HttpRouteKey.with_("/", apigwv2.HttpMethod.GET),
    apigwv2.HttpRouteKey.with_("/", apigwv2.HttpMethod.HEAD),
)


@jsii.implements(apigwv2.IAccessLogSettings)
class _AccessLogSettings:
    def __init__(self, log_group: logs.ILogGroup) -> None:
        self._destination = apigwv2.LogGroupLogDestination(log_group)

    @property
    def destination(self) -> apigwv2.IAccessLogDestination:
        return self._destination

    @property
    def format(self) -> apigw.AccessLogFormat:
        return apigw.AccessLogFormat.custom(json.dumps(ACCESS_LOG_FIELDS, separators=(",", ":")))


class _LoggedHttpApi(Construct):
    """An HTTP API whose ``$default`` stage auto-deploys, is throttled and writes JSON access logs."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        description: str,
        throttle: Throttle,
        retention: logs.RetentionDays,
        disable_execute_api_endpoint: bool = False,
    ) -> None:
        super().__init__(scope, construct_id)
        self.api = apigwv2.HttpApi(
            self,
            "Api",
            description=description,
            create_default_stage=False,
            disable_execute_api_endpoint=disable_execute_api_endpoint,
        )
        self.access_logs = logs.LogGroup(self, "AccessLogs", retention=retention)
        self.stage = apigwv2.HttpStage(
            self,
            "DefaultStage",
            http_api=self.api,
            auto_deploy=True,
            throttle=apigwv2.ThrottleSettings(rate_limit=throttle.rate_per_second, burst_limit=throttle.burst),
            access_log_settings=_AccessLogSettings(self.access_logs),
        )

    @property
    def url(self) -> str:
        """``https://`` + ``host`` (CDK refuses ``api_endpoint`` of an API whose default endpoint is off)."""
        return Fn.join("", ["https://", self.host])

    @property
    def host(self) -> str:
        """The API's own ``execute-api`` host name, e.g. ``abc123.execute-api.eu-west-1.amazonaws.com``
        (a name only, when the default endpoint is disabled)."""
        stack = Stack.of(self)
        return Fn.join("", [self.api.api_id, ".execute-api.", stack.region, ".", stack.url_suffix])

    def route(self, route_keys: tuple[apigwv2.HttpRouteKey, ...], function: lambda_.IFunction) -> None:
        integration = integrations.HttpLambdaIntegration("Integration", function)
        for index, route_key in enumerate(route_keys):
            apigwv2.HttpRoute(self, f"Route{index}", http_api=self.api, route_key=route_key, integration=integration)


class HttpApis(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, log_retention: logs.RetentionDays) -> None:
        super().__init__(scope, construct_id)
        stack_name = Stack.of(self).stack_name
        self.management = _LoggedHttpApi(
            self,
            "Management",
            description=f"{stack_name}: Twilio-compatible management API (Basic auth in the function).",
            throttle=MANAGEMENT_THROTTLE,
            retention=log_retention,
        )
        self.redirect = _LoggedHttpApi(
            self,
            "Redirect",
            description=f"{stack_name}: short-link redirects, reached through each short domain's custom domain.",
            throttle=REDIRECT_THROTTLE,
            retention=log_retention,
            # Only through the short domains' custom domains: the default execute-api host would
            # serve every tenant's slugs under one name (security finding 7).
            disable_execute_api_endpoint=True,
        )

    def connect(self, kind: str, function: lambda_.IFunction) -> None:
        """Route an API to the function whose spec names it (``http_api`` in brandlink.resources)."""
        if kind == "management":
            self.management.route((apigwv2.HttpRouteKey.DEFAULT,), function)
        elif kind == "redirect":
            self.redirect.route(REDIRECT_ROUTES, function)
        else:
            raise ValueError(f"Unknown http_api {kind!r} in brandlink.resources: use 'management' or 'redirect'.")

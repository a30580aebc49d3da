"""OpenAPI extensions: how the API's own authentication appears in the document."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "hub.api.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "The API client's token, from `create_api_client`.",
        }


def forbid_unknown_request_fields(result, generator, request, public):
    """Request bodies reject unknown fields (400): say so, as ``additionalProperties: false``."""
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request") and component.get("type") == "object":
            component["additionalProperties"] = False
    return result

"""Schemathesis checks of our own, loaded by .ci/fuzz (SCHEMATHESIS_HOOKS=fuzz_checks).

`schema_valid_request_accepted` is Schemathesis' `positive_data_acceptance` told apart by the
engine's error codes: a request the OpenAPI document calls valid must never be refused for its
form (400, 405, 406, 415, or 422 `validation_failed`), so every limit the server checks on
one value is in the document. It may still be refused by the state it meets: 404 for an id that
does not exist, 409 for a clash, and 422 with a business code (`insufficient_points`,
`stock_exhausted`, `invalid_cursor` for a cursor the server never gave out, `invalid_code` for
a wrong SMS code …), which no schema can foresee.

A JSON schema describes each value, not how values agree with each other. The rules that tie
fields together are listed below, by operation and the field the server names; only those may
answer `validation_failed` to a schema-valid request.
"""

import schemathesis
from schemathesis.specs.openapi.checks import is_unexpected_http_status_case

# A body over `server.body_limit_bytes` (413) is refused whatever the schema says: the limit is
# the operator's setting, documented in the README, not a property of one field.
FORM_STATUSES = {400, 405, 406, 415}

# (method, path) -> {field: the rule across fields it names}
M = "/api/v1/merchant"
CROSS_FIELD_RULES = {
    ("POST", M + "/orders"): {
        "lines": "lines are required unless the till priced the order (amount_paid)",
        "amount_paid": "at most the lines' total; no coupons or points with it",
        "lines.unit_price": "price times quantity at most 1,000,000,000.00",
        "coupon_codes": "each coupon once",
    },
    ("POST", M + "/orders/quote"): {
        "lines.unit_price": "price times quantity at most 1,000,000,000.00",
        "coupon_codes": "each coupon once",
    },
    ("POST", M + "/orders/{id}/refunds"): {
        "amount": "by lines or by amount, not both",
        "lines.line_no": "each line once",
    },
    ("POST", M + "/coupon-templates/{id}/issue"): {
        "batch": "a reference in the body or the Idempotency-Key header",
        "member_ids": "member_ids or a segment, not both",
    },
    ("POST", M + "/coupon-templates"): {
        "validity.until": "after validity.from, in the years 2000 to 9998",
        "validity.from": "in the years 2000 to 9998",
        "claim_until": "after claim_from, in the years 2000 to 9998",
        "claim_from": "in the years 2000 to 9998",
        "low_stock_alert": "below the stock, and only with one",
    },
    ("POST", M + "/card-templates"): {
        "plans": "each amount once; a plan or a custom range; only a stored-value card's",
        "custom_top_up": "min at most max",
        "max_balance": "holds the largest top-up offered",
        "count": "a count card's rules, with kind count only",
        "count.items": "each item once",
        "period": "a period card's rules, with kind period only",
        "period.items": "each item once",
    },
    ("PUT", M + "/settings/earning"): {
        "thresholds": "steps in increasing order of min_amount",
        "member_day": "days_of_month or days_of_week",
        "actions.share.daily_cap": "sharing needs a daily cap",
    },
    ("PUT", M + "/settings/tiers"): {
        "levels": "the first tier's threshold is 0",
        "levels.code": "codes unique",
        "levels.threshold": "thresholds increase up the ladder",
    },
    ("PUT", M + "/settings/notifications"): {
        "scenes": "each scene once",
        "scenes.channels": "HQ's scenes go by SMS",
        "scenes.sms": "an SMS channel needs an SMS template",
        "scenes.wechat": "a WeChat channel needs a template",
        "hq_phones": "each phone once; HQ's scenes need one",
    },
    ("PUT", M + "/settings/checkout"): {
        "gifts": "coupon templates of the merchant's own",
    },
    ("POST", M + "/members"): {"birthday": "a plausible date of birth"},
    ("POST", M + "/staff"): {"store_ids": "store managers and cashiers need a store"},
    ("PATCH", M + "/staff/{id}"): {"store_ids": "store managers and cashiers need a store"},
    ("PATCH", "/api/v1/member/me"): {"birthday": "a plausible date of birth, set once"},
}
# The simulation and a new merchant take an earning policy as PUT /settings/earning does.
EARNING = CROSS_FIELD_RULES[("PUT", M + "/settings/earning")]
CROSS_FIELD_RULES[("POST", M + "/settings/earning/simulate")] = {
    "policy." + field: rule for field, rule in EARNING.items()
} | EARNING
CROSS_FIELD_RULES[("POST", "/api/v1/platform/merchants")] = {
    "earning." + field: rule for field, rule in EARNING.items()
} | EARNING


def body_conforms(case):
    """Whether the body is valid by the document: stateful sequences can carry data into a
    request that its schema does not allow, and such a request is not positive data."""
    if not isinstance(case.body, (dict, list)):
        return True
    alternative = case.operation.get_body_for_media_type(case.media_type)
    if alternative is None or not isinstance(alternative.raw_schema, dict):
        return True
    validator_cls = case.operation.schema.adapter.jsonschema_validator_cls
    return validator_cls(alternative.raw_schema).is_valid(case.body)


@schemathesis.check
def schema_valid_request_accepted(ctx, response, case):
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or is_unexpected_http_status_case(case):
        return None
    if not body_conforms(case):
        return None
    status = response.status_code
    problem = {}
    if status == 422:
        try:
            problem = response.json() or {}
        except Exception:
            problem = {}
    code = problem.get("code")
    if status in FORM_STATUSES or (status == 422 and code in (None, "validation_failed")):
        fields = [e.get("field") for e in problem.get("errors", [])]
        allowed = CROSS_FIELD_RULES.get((case.method.upper(), case.operation.path), {})
        if fields and all(f in allowed for f in fields):
            return None
        raise AssertionError(
            f"A request the document calls valid was refused for its form: {status} {code or ''} "
            f"{fields}\n{response.text[:400]}"
        )
    return None

"""Data Docs content blocks that say what each expectation means and what its failure does.

GX renders an expectation as its rule alone ("mom_beyond_band values must be less than or equal to 0.0"). Every
expectation in expectations/*.json carries its meaning and severity in `meta`, and what a column computed for the
suite is (`meta.computed_as`). These renderers put them before the rule, on the suite pages and on the validation
pages. GX's page renderers take their content-block renderers by class name (`render_data_docs` passes these); GX
is imported with this module, so only where Data Docs are rendered (the worker process).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from great_expectations.render import RenderedStringTemplateContent
from great_expectations.render.renderer.content_block import (
    ExpectationSuiteBulletListContentBlockRenderer,
    ValidationResultsTableContentBlockRenderer,
)
from great_expectations.render.renderer.content_block.expectation_string import ExpectationStringRenderer

from orchestration.quality.runner import expectation_meta

# What a failure of each severity does to a load (orchestration/quality/runner.py, SuiteReport).
CONSEQUENCE = {
    "error": "Error: a failure blocks the month (it is held back, not published).",
    "warning": "Warning: a failure is reported, and the month is still published.",
}


def explanation(configuration: Any) -> RenderedStringTemplateContent:
    """The expectation's severity and meaning in words, and what its column is when the suite computed it."""
    severity, description, computed_as = expectation_meta(configuration.meta)
    # One line each (GX's view turns a newline into <br>); GX's rule follows on a line of its own.
    template = "$severity\n$description\n" + ("$computed_as\n" if computed_as else "")
    return RenderedStringTemplateContent(
        content_block_type="string_template",
        string_template={
            "template": template,
            "params": {
                "severity": CONSEQUENCE.get(severity, severity),
                "description": description,
                "computed_as": computed_as,
            },
            # Styled params are HTML-escaped by GX's view: descriptions are text, never markup.
            "styling": {"params": {"severity": {"tag": "strong", "classes": ["severity", f"severity-{severity}"]}}},
        },
    )


class _Explained(ExpectationStringRenderer):
    """Every expectation string starts with its explanation; GX's own rule follows."""

    # A suite page's bullet takes explanation and rule as one item. A validation table's cell must stay a flat list:
    # GX appends the unexpected values to it, and renders a list nested deeper as its Python text.
    _as_one_item: ClassVar[bool] = False

    @classmethod
    def _get_content_block_fn(cls, expectation_type: str, expectation_config: Any = None) -> Callable[..., Any] | None:
        rule = super()._get_content_block_fn(expectation_type=expectation_type, expectation_config=expectation_config)
        if rule is None or expectation_config is None:
            return rule

        def explained(configuration: Any = None, **kwargs: Any) -> list[Any]:
            blocks = [explanation(configuration), *rule(configuration=configuration, **kwargs)]
            return [blocks] if cls._as_one_item else blocks

        return explained


# After GX's own class in the method order, so that its table rows and bullets wrap the explained string.
class ExplainedSuiteBullets(ExpectationSuiteBulletListContentBlockRenderer, _Explained):
    """The suite page's list of expectations, each explained."""

    _as_one_item = True


class ExplainedValidationTable(ValidationResultsTableContentBlockRenderer, _Explained):
    """The validation page's table of results, each expectation explained."""

import {registry} from "@web/core/registry";

const tours = registry.category("web_tour.tours");

// The note owner opens a PHQ-9 a client completed through the portal: the total, the severity
// band and the risk flag, where Odoo shows a quiz's ribbons and score.
tours.add("serene_staff_read_a_screening", {
  steps: () => [
    {
      content: "The risk flag is the form's ribbon",
      trigger: ".o_form_view .ribbon:contains('Risk signal')",
    },
    {
      content: "No Passed or Failed ribbon, no score in percent",
      trigger:
        ".o_form_view:not(:has(.ribbon:contains('Passed'))):not(:has(.ribbon:contains('Failed'))):not(:has(.o_field_widget[name=scoring_percentage]))",
    },
    {
      content: "The total",
      trigger: ".o_form_view .o_field_widget[name=scoring_total]:contains('1')",
    },
    {
      content: "The severity band",
      trigger: ".o_form_view .o_field_widget[name=serene_severity]:contains('Minimal')",
    },
  ],
});

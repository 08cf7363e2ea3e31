import {Dialog} from "@web/core/dialog/dialog";
import {_t} from "@web/core/l10n/translation";
import {patch} from "@web/core/utils/patch";
import {SurveyEnterTooltip} from "@survey/interactions/survey_enter_tooltip";
import {SurveyForm} from "@survey/interactions/survey_form";

const CHOICE = "input.o_serene_choice_input";
const ANSWER_INPUTS = "input:not([type='hidden']), textarea";

/**
 * Odoo's survey form, for a form opened through a client's portal (the page's form carries
 * data-serene-accessible): the keyboard completes it and a screen reader follows it.
 * - Enter chooses an answer not chosen yet; elsewhere in the answers it goes on (the page's
 *   Continue or Submit), as Enter does in any form; in a text area it starts a new line.
 * - The arrows move within a question (native for radio buttons; between boxes here).
 * - Errors mark their inputs invalid and take the focus to the first question refused.
 * - After each screen, the focus goes to its start; the page says how many questions are answered.
 * This bundle loads on those pages only; their dialogs (the submit confirmation) are named
 * modal dialogs without landmarks of their own (dialog.xml).
 */
Dialog.template = "serene_client_portal.Dialog";

patch(SurveyForm.prototype, {
  setup() {
    super.setup();
    this.sereneAccessible = Boolean(this.formEl?.dataset.sereneAccessible);
  },

  start() {
    super.start();
    if (this.sereneAccessible) {
      this.addListener(this.el, "change", () => this.sereneUpdateProgress());
      this.sereneUpdateProgress();
    }
  },

  onKeyDown(ev) {
    if (
      !this.sereneAccessible ||
      this.options.isStartScreen ||
      ev.ctrlKey ||
      ev.metaKey ||
      ev.altKey
    ) {
      return super.onKeyDown(ev);
    }
    const targetEl = document.activeElement;
    if (!targetEl || !this.el.contains(targetEl) || targetEl.closest(".modal")) {
      return super.onKeyDown(ev);
    }
    if (
      ev.key === "Enter" &&
      !ev.shiftKey &&
      targetEl.matches(ANSWER_INPUTS) &&
      targetEl.tagName !== "TEXTAREA"
    ) {
      ev.preventDefault();
      if (targetEl.matches(CHOICE) && !targetEl.checked) {
        targetEl.click();
      } else {
        this.sereneGoOn();
      }
      return;
    }
    if (
      ["ArrowDown", "ArrowUp"].includes(ev.key) &&
      targetEl.matches(`${CHOICE}[type='checkbox']`)
    ) {
      const boxes = [
        ...targetEl
          .closest(".o_survey_form_choice, tr")
          .querySelectorAll(`${CHOICE}[type='checkbox']`),
      ];
      const next = boxes[boxes.indexOf(targetEl) + (ev.key === "ArrowDown" ? 1 : -1)];
      ev.preventDefault();
      next?.focus();
      return;
    }
    return super.onKeyDown(ev);
  },

  /** A page with answers missing says so at once, before asking to confirm the submission. */
  onSubmit(ev) {
    if (
      this.sereneAccessible &&
      ev.currentTarget.value === "finish" &&
      !this.validateForm(this.formEl, new FormData(this.formEl))
    ) {
      ev.preventDefault();
      return;
    }
    return super.onSubmit(ev);
  },

  /** The page's own way on: its Continue or Submit button, as if pressed. */
  sereneGoOn() {
    const buttonEl = this.el.querySelector(
      "button[type='submit'][value]:not(.d-none):not([hidden])"
    );
    buttonEl?.click();
  },

  /** A click on the cell's input itself has already (un)checked it: the cell adds nothing. */
  onMatrixButtonClick(ev) {
    if (this.sereneAccessible && ev.target.matches?.("input")) {
      return;
    }
    return super.onMatrixButtonClick(ev);
  },

  showErrors(errors) {
    super.showErrors(errors);
    if (!this.sereneAccessible) {
      return;
    }
    const questionIds = Object.keys(errors || {});
    for (const questionId of questionIds) {
      const questionEl = this.el.querySelector(
        `.js_question-wrapper[id="${questionId}"]`
      );
      questionEl?.setAttribute("aria-invalid", "true");
      for (const inputEl of questionEl?.querySelectorAll(ANSWER_INPUTS) || []) {
        inputEl.setAttribute("aria-invalid", "true");
      }
    }
    const firstEl =
      questionIds.length &&
      this.el.querySelector(`.js_question-wrapper[id="${questionIds[0]}"]`);
    if (firstEl) {
      const inputEl =
        firstEl.querySelector(`${CHOICE}:checked`) ||
        [...firstEl.querySelectorAll(ANSWER_INPUTS)].find(
          (el) => !el.disabled && el.offsetParent !== null
        ) ||
        firstEl.querySelector(CHOICE);
      inputEl?.focus({preventScroll: false});
    }
  },

  resetErrors() {
    super.resetErrors();
    for (const el of this.el.querySelectorAll("[aria-invalid]")) {
      el.removeAttribute("aria-invalid");
    }
  },

  onNextScreenDone(options) {
    const result = super.onNextScreenDone(options);
    if (
      this.sereneAccessible &&
      !this.el.querySelector(".o_survey_question_error.slide_in")
    ) {
      this.sereneUpdateProgress();
      this.sereneFocusScreen();
    }
    return result;
  },

  /** A new screen: the focus goes to its start, where a screen reader reads it on. */
  sereneFocusScreen() {
    const startEl =
      this.el.querySelector(".o_serene_form_intro") ||
      this.el.querySelector(".o_survey_finished h1.fs-2") ||
      this.el.querySelector(".o_survey_finished h1, .o_survey_finished h2");
    if (startEl) {
      if (!startEl.hasAttribute("tabindex")) {
        startEl.setAttribute("tabindex", "-1");
      }
      startEl.focus({preventScroll: true});
    }
  },

  /** "3 of 7 questions answered", on the page and to a screen reader. */
  sereneUpdateProgress() {
    const progressEl = this.el.querySelector(".o_serene_form_progress");
    if (!progressEl) {
      return;
    }
    const questionEls = [
      ...this.el.querySelectorAll(".js_question-wrapper:not(.d-none)"),
    ];
    const answered = questionEls.filter((questionEl) =>
      [...questionEl.querySelectorAll(ANSWER_INPUTS)].some((el) =>
        ["radio", "checkbox"].includes(el.type)
          ? el.checked
          : !el.disabled && el.value.trim()
      )
    ).length;
    const text = _t("%(answered)s of %(total)s questions answered", {
      answered,
      total: questionEls.length,
    });
    if (progressEl.textContent !== text) {
      progressEl.textContent = text;
    }
  },
});

/** The hint by the Submit button says what Enter does here: it goes on, but in a text area. */
patch(SurveyEnterTooltip.prototype, {
  updateTooltip(isTextbox) {
    super.updateTooltip(isTextbox);
    if (
      !isTextbox &&
      document.querySelector("form.o_survey-fill-form[data-serene-accessible]")
    ) {
      this.enterTooltipText = this.defaultText;
    }
  },
});

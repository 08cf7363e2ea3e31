import {Component, useState} from "@odoo/owl";
import {CopyButton} from "@web/core/copy_button/copy_button";
import {Dialog} from "@web/core/dialog/dialog";
import {_t} from "@web/core/l10n/translation";
import {registry} from "@web/core/registry";
import {useService} from "@web/core/utils/hooks";
import {useRecordObserver} from "@web/model/relational_model/utils";
import {standardWidgetProps} from "@web/views/widgets/standard_widget_props";

/** Shared by the widgets of the Client Portal section: run a partner action, then reload. */
function usePartnerAction(component) {
  const action = useService("action");
  const orm = useService("orm");
  return async (method, {reload = true} = {}) => {
    const record = component.props.record;
    if (record.isDirty || record.isNew) {
      const saved = await record.save();
      if (!saved) {
        return;
      }
    }
    const result = await orm.call("res.partner", method, [[record.resId]]);
    if (result) {
      await action.doAction(result, {
        onClose: reload ? () => record.load() : undefined,
      });
    }
    if (reload) {
      await record.load();
    }
  };
}

/** The eye "View" and "+ Add" buttons, disabled with the reason on hover. */
export class ClientPortalButtons extends Component {
  static template = "serene_client_portal.ClientPortalButtons";
  static props = {...standardWidgetProps};

  setup() {
    this.run = usePartnerAction(this);
  }
  get data() {
    return this.props.record.data;
  }
  get viewDisabledReason() {
    return this.data.client_portal_id
      ? ""
      : _t("The portal has not been created yet: add an item or use the portal icon.");
  }
  get addDisabledReason() {
    return this.data.serene_portal_can_add
      ? ""
      : this.data.serene_add_disabled_reason || "";
  }
  onView() {
    return this.run("action_client_portal_view", {reload: false});
  }
  onAdd() {
    return this.run("action_client_portal_add_items");
  }
}

/** The activity panel: loads after the form opens, then green or blue per the last 7 days. */
export class ClientPortalActivity extends Component {
  static template = "serene_client_portal.ClientPortalActivity";
  static props = {...standardWidgetProps};

  setup() {
    this.orm = useService("orm");
    this.state = useState({loading: true, summary: null});
    useRecordObserver((record) => {
      // Read what a reload changes so that the panel refreshes after items are added.
      const key = [
        record.resId,
        record.data.client_portal_id?.id,
        record.data.portal_item_ids?.count,
      ];
      this.load(record, key);
    });
  }
  async load(record, key) {
    this.key = JSON.stringify(key);
    const mine = this.key;
    this.state.loading = true;
    if (!record.resId || !record.data.client_portal_id) {
      this.state.summary = null;
      this.state.loading = false;
      return;
    }
    const summary = await this.orm.call(
      "res.partner",
      "get_client_portal_activity_summary",
      [[record.resId]]
    );
    if (mine === this.key) {
      this.state.summary = summary;
      this.state.loading = false;
    }
  }
}

/** The portal icon at the top right: creates the portal when missing, behind a blocking overlay. */
export class ClientPortalIcon extends Component {
  static template = "serene_client_portal.ClientPortalIcon";
  static props = {...standardWidgetProps};

  setup() {
    this.ui = useService("ui");
    this.run = usePartnerAction(this);
  }
  get canCreate() {
    return this.props.record.data.serene_portal_can_manage;
  }
  get disabled() {
    return !this.props.record.data.client_portal_id && !this.canCreate;
  }
  async onClick() {
    this.ui.block({message: _t("Creating the client portal...")});
    try {
      await this.run("action_client_portal_create");
    } finally {
      this.ui.unblock();
    }
  }
}

const registryWidgets = registry.category("view_widgets");
registryWidgets.add("serene_portal_buttons", {
  component: ClientPortalButtons,
  fieldDependencies: [
    {name: "client_portal_id", type: "many2one"},
    {name: "serene_portal_can_add", type: "boolean"},
    {name: "serene_add_disabled_reason", type: "char"},
  ],
});
registryWidgets.add("serene_portal_activity", {
  component: ClientPortalActivity,
  fieldDependencies: [{name: "client_portal_id", type: "many2one"}],
});
registryWidgets.add("serene_portal_icon", {
  component: ClientPortalIcon,
  fieldDependencies: [
    {name: "client_portal_id", type: "many2one"},
    {name: "serene_portal_can_manage", type: "boolean"},
  ],
});

/** "Resend portal link" when nothing could be sent: why, and the link to copy (kept nowhere). */
export class ClientPortalLinkDialog extends Component {
  static template = "serene_client_portal.ClientPortalLinkDialog";
  static components = {Dialog, CopyButton};
  static props = {
    title: String,
    reasons: Array,
    url: String,
    printAction: {type: Object, optional: true},
    close: Function,
  };

  setup() {
    this.action = useService("action");
  }

  async onPrint() {
    await this.action.doAction(this.props.printAction);
    this.props.close();
  }
}

registry.category("actions").add("serene_portal_link_dialog", async (env, action) => {
  // Shown after Odoo's password prompt: that dialog's work is done.
  await env.services.action.doAction({type: "ir.actions.act_window_close"});
  env.services.dialog.add(ClientPortalLinkDialog, action.params);
});

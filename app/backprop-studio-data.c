/* backprop-studio-data.c — the data an imported model lacks: the question,
 * its answers and the remembered choice (see backprop-studio-data.h).
 */
#include "config.h"
#include "backprop-studio-data.h"

#include <errno.h>
#include <glib/gi18n.h>

#include "bp-dataset.h"
#include "bpv-events.h"
#include "bpv-session.h"

/* The key file of remembered choices, in the app's config folder: a group
 * per model file (its absolute path), its dataset under DATA_KEY. */
#define DATA_FILE         "datasets.ini"
#define DATA_KEY          "dataset"

/* Object data: the question shown over a window, and the widths of the
 * network as imported (a dataset chosen later is remembered only when it
 * fits them: one that refits the network is not this model's data). */
#define DIALOG_DATA       "backprop-studio-data-dialog"
#define WIDTHS_DATA       "backprop-studio-data-widths"
#define FOLLOWED_DATA     "backprop-studio-data-followed"

/* ---------------------------------------------------------- remembering */

static char *
data_file_path (void)
{
  return g_build_filename (g_get_user_config_dir (), "backprop-studio", DATA_FILE, NULL);
}

char *
backprop_studio_data_remembered (const char *path)
{
  g_autoptr(GKeyFile) keys = g_key_file_new ();
  g_autofree char *file = data_file_path ();

  g_autofree char *group = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  if (!g_key_file_load_from_file (keys, file, G_KEY_FILE_NONE, NULL))
    return NULL;
  group = g_canonicalize_filename (path, NULL);
  return g_key_file_get_string (keys, group, DATA_KEY, NULL);
}

gboolean
backprop_studio_data_remember (const char  *path,
                               const char  *dataset,
                               GError     **error)
{
  g_autoptr(GKeyFile) keys = g_key_file_new ();
  g_autofree char *file = data_file_path ();
  g_autofree char *dir = g_path_get_dirname (file);
  g_autofree char *group = NULL;

  g_return_val_if_fail (path != NULL && dataset != NULL, FALSE);

  /* A file that is not there yet (or unreadable) starts afresh. */
  g_key_file_load_from_file (keys, file, G_KEY_FILE_KEEP_COMMENTS, NULL);
  group = g_canonicalize_filename (path, NULL);
  g_key_file_set_string (keys, group, DATA_KEY, dataset);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   _("cannot create %s: %s"), dir, g_strerror (saved));
      return FALSE;
    }
  /* g_key_file_save_to_file writes a temporary file and renames it. */
  return g_key_file_save_to_file (keys, file, error);
}

/* ---------------------------------------------------------------- widths */

/* "12 inputs and 3 outputs" (the dataset's side). */
static char *
widths_text (gsize n_in,
             gsize n_out)
{
  g_autofree char *in = g_strdup_printf (ngettext ("%zu input", "%zu inputs", n_in), n_in);
  g_autofree char *out = g_strdup_printf (ngettext ("%zu output", "%zu outputs", n_out), n_out);

  /* TRANSLATORS: "12 inputs and 3 outputs" */
  return g_strdup_printf (_("%s and %s"), in, out);
}

/* "net.onnx takes 12 inputs and gives 3 outputs" */
static char *
takes_text (const char *model_name,
            gsize       n_in,
            gsize       n_out)
{
  g_autofree char *in = g_strdup_printf (ngettext ("%zu input", "%zu inputs", n_in), n_in);
  g_autofree char *out = g_strdup_printf (ngettext ("%zu output", "%zu outputs", n_out), n_out);

  /* TRANSLATORS: "net.onnx takes 12 inputs and gives 3 outputs" */
  return g_strdup_printf (_("%s takes %s and gives %s"), model_name, in, out);
}

gboolean
backprop_studio_data_check (const BpNetwork  *net,
                            const char       *model_name,
                            const char       *dataset,
                            GError          **error)
{
  g_autoptr(BpDataset) data = NULL;
  g_autofree char *has = NULL;
  g_autofree char *takes = NULL;
  g_autofree char *shown = NULL;

  g_return_val_if_fail (net != NULL && model_name != NULL && dataset != NULL, FALSE);

  /* Its default rows and noise: only the widths matter here. */
  data = bp_dataset_open (dataset, 0, -1.0, 0, error);
  if (data == NULL)
    return FALSE;
  if (data->n_features == net->n_inputs && data->n_targets == bp_network_n_outputs (net))
    return TRUE;
  has = widths_text (data->n_features, data->n_targets);
  takes = takes_text (model_name, net->n_inputs, bp_network_n_outputs (net));
  shown = g_path_get_basename (dataset);
  /* A CSV's shape is not obvious from its columns: say how it is read. */
  g_set_error (error, BP_DATASET_ERROR, BP_DATASET_ERROR_INVALID,
               _("%s has %s; %s. (A CSV’s last column is its target: a column of numbers "
                 "is one output, a column of k class names is k outputs.)"),
               shown, has, takes);
  return FALSE;
}

/* --------------------------------------------------------- the question */

typedef struct
{
  BpvWindow   *window;     /* weak */
  char        *model_path; /* where the chooser starts */
  GtkLabel    *error_label;
  GtkDropDown *builtins;   /* NULL when none fits */
  GPtrArray   *names;      /* char*, parallel to builtins' items */
} Ask;

static void
ask_free (Ask *ask)
{
  if (ask->window != NULL)
    g_object_remove_weak_pointer (G_OBJECT (ask->window), (gpointer *) &ask->window);
  g_free (ask->model_path);
  g_ptr_array_unref (ask->names);
  g_free (ask);
}

GtkWindow *
backprop_studio_data_get_dialog (BpvWindow *window)
{
  g_return_val_if_fail (BPV_IS_WINDOW (window), NULL);

  return g_object_get_data (G_OBJECT (window), DIALOG_DATA);
}

/* What the messages call the model: its ONNX file's name, else its own
 * file's.  Free with g_free. */
static char *
model_base (BpvWindow *window)
{
  GFile *file = bpv_window_get_imported_from (window);

  if (file == NULL)
    file = bpv_window_get_file (window);
  return file != NULL ? g_file_get_basename (file) : g_strdup (_("The model"));
}

/* The widths of the network as imported, and whether the window said that
 * data of other widths replaced its weights. */
typedef struct
{
  gsize    n_in;
  gsize    n_out;
  gboolean refit_told;
} Widths;

static void
keep_widths (BpvWindow       *window,
             const BpNetwork *net)
{
  Widths *w = g_new0 (Widths, 1);

  w->n_in = net->n_inputs;
  w->n_out = bp_network_n_outputs (net);
  g_object_set_data_full (G_OBJECT (window), WIDTHS_DATA, w, g_free);
}

void
backprop_studio_data_explain (BpvWindow *window)
{
  BpvSession *session = bpv_window_get_session (window);
  const BpModel *model = bpv_session_get_model (session);
  const BpNetwork *net = bpv_session_get_network (session);
  g_autofree char *base = model_base (window);
  g_autofree char *takes = takes_text (base, net->n_inputs, bp_network_n_outputs (net));
  g_autofree char *text = NULL;

  if (g_strcmp0 (model->dataset, BPV_SESSION_NO_DATA) == 0)
    text = g_strdup_printf (_("%s. No data: the network is shown on an input of zeros, and its "
                              "cost and gradients are those of zero targets — they say nothing "
                              "about the model. Choose data of that shape in the sidebar or with "
                              "Open CSV Dataset… to see them on real samples."),
                            takes);
  else
    {
      const BpDataset *ds = bpv_session_get_dataset (session);

      /* TRANSLATORS: "Imported from net.onnx: pytorch 2.1, opset 17. Data: iris.csv (150 rows)." */
      text = g_strdup_printf (ngettext ("%s. Data: %s (%zu row).", "%s. Data: %s (%zu rows).",
                                        ds->n_rows),
                              model->description != NULL && model->description[0] != '\0'
                              ? model->description : takes,
                              ds->name, ds->n_rows);
    }
  bpv_window_show_explanation (window, model->name != NULL && model->name[0] != '\0'
                                       ? model->name : base,
                               text, FALSE);
}

static void
show_error (GtkWindow  *dialog,
            const char *message)
{
  Ask *ask = g_object_get_data (G_OBJECT (dialog), "ask");

  gtk_label_set_text (ask->error_label, message);
  gtk_widget_set_visible (GTK_WIDGET (ask->error_label), TRUE);
  gtk_window_present (dialog);
}

static void
close_dialog (BpvWindow *window)
{
  GtkWindow *dialog = backprop_studio_data_get_dialog (window);

  if (dialog == NULL)
    return;
  g_object_set_data (G_OBJECT (window), DIALOG_DATA, NULL);
  gtk_window_destroy (dialog);
}

gboolean
backprop_studio_data_choose (BpvWindow   *window,
                             const char  *dataset,
                             GError     **error)
{
  BpvSession *session;
  g_autoptr(BpModel) model = NULL;
  g_autoptr(BpvSession) chosen = NULL;
  g_autoptr(GError) local = NULL;
  g_autofree char *base = NULL;
  GtkWindow *dialog;
  GFile *onnx;

  g_return_val_if_fail (BPV_IS_WINDOW (window), FALSE);
  g_return_val_if_fail (dataset != NULL, FALSE);

  session = bpv_window_get_session (window);
  dialog = backprop_studio_data_get_dialog (window);
  base = model_base (window);
  if (!backprop_studio_data_check (bpv_session_get_network (session), base, dataset, &local))
    {
      bpv_event ("DATA-REFUSED %s", local->message);
      if (dialog != NULL)
        show_error (dialog, local->message);
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  /* The model as it is shown, on the chosen data: a new session, so that
   * choosing is no edit to undo (the data was never there). */
  model = bp_model_copy (bpv_session_get_model (session));
  g_free (model->dataset);
  model->dataset = g_strdup (dataset);
  model->dataset_rows = 0;
  model->dataset_noise = -1.0;
  chosen = bpv_session_new (model, &local);
  if (chosen == NULL)
    {
      if (dialog != NULL)
        show_error (dialog, local->message);
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  onnx = bpv_window_get_imported_from (window);
  /* A model file whose data was missing differs from its file now: saving
   * it keeps the new data. */
  if (onnx == NULL)
    bpv_session_mark_changed (chosen);
  bpv_window_set_session (window, chosen);
  if (onnx != NULL)
    {
      g_autofree char *path = g_file_get_path (onnx);

      if (path != NULL && !backprop_studio_data_remember (path, dataset, &local))
        bpv_window_toast (window, local->message);
    }
  bpv_event ("DATA-CHOSEN %s", dataset);
  close_dialog (window);
  backprop_studio_data_explain (window);
  return TRUE;
}

static void
csv_chosen (GtkNativeDialog *chooser,
            int              response,
            GtkWindow       *dialog)
{
  Ask *ask = g_object_get_data (G_OBJECT (dialog), "ask");
  g_autoptr(GFile) file = NULL;
  g_autofree char *path = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  if (file != NULL)
    path = g_file_get_path (file);
  g_object_unref (chooser);
  if (ask->window == NULL)
    {
      gtk_window_destroy (dialog);
      return;
    }
  /* Refused: the dialog comes back with the widths named; cancelled: it
   * comes back as it was. */
  if (path == NULL || !backprop_studio_data_choose (ask->window, path, NULL))
    gtk_window_present (dialog);
  g_object_unref (dialog);
}

static void
choose_csv (GtkWindow *dialog,
            Ask       *ask)
{
  GtkFileChooserNative *chooser;
  GtkFileFilter *filter = gtk_file_filter_new ();

  chooser = gtk_file_chooser_native_new (_("Choose a CSV Dataset"), GTK_WINDOW (ask->window),
                                         GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), _("_Cancel"));
  gtk_file_filter_set_name (filter, _("CSV files"));
  gtk_file_filter_add_pattern (filter, "*.[cC][sS][vV]");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  g_object_unref (filter);
  /* Beside the model, where its data most likely is. */
  if (ask->model_path != NULL)
    {
      g_autofree char *dir = g_path_get_dirname (ask->model_path);
      g_autoptr(GFile) folder = g_file_new_for_path (dir);

      gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (chooser), folder, NULL);
    }
  g_signal_connect (chooser, "response", G_CALLBACK (csv_chosen), g_object_ref (dialog));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
on_response (AdwMessageDialog *dialog,
             const char       *response,
             Ask              *ask)
{
  bpv_event ("DATA-RESPONSE %s", response);
  if (ask->window == NULL)
    {
      gtk_window_destroy (GTK_WINDOW (dialog));
      return;
    }
  if (g_str_equal (response, "csv"))
    choose_csv (GTK_WINDOW (dialog), ask);
  else if (g_str_equal (response, "builtin") && ask->builtins != NULL)
    {
      guint i = gtk_drop_down_get_selected (ask->builtins);

      if (i < ask->names->len)
        backprop_studio_data_choose (ask->window, g_ptr_array_index (ask->names, i), NULL);
    }
  else
    {
      /* No data: the model stays on zeros, and the window says what that
       * means. */
      BpvWindow *window = ask->window;

      close_dialog (window);
      backprop_studio_data_explain (window);
    }
}

/* The built-in datasets (generators and files) of the network's widths. */
static GtkDropDown *
builtins_of_widths (const BpNetwork *net,
                    GPtrArray       *names)
{
  gsize n = 0;
  const BpDatasetInfo *info = bp_dataset_list (&n);
  GtkStringList *list = gtk_string_list_new (NULL);
  GtkWidget *drop_down;

  for (gsize i = 0; i < n; i++)
    if (info[i].n_features == net->n_inputs && info[i].n_targets == bp_network_n_outputs (net))
      {
        gtk_string_list_append (list, info[i].name);
        g_ptr_array_add (names, g_strdup (info[i].name));
      }
  if (names->len == 0)
    {
      g_object_unref (list);
      return NULL;
    }
  drop_down = gtk_drop_down_new (G_LIST_MODEL (list), NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (drop_down), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Built-in dataset"), -1);
  return GTK_DROP_DOWN (drop_down);
}

void
backprop_studio_data_ask (BpvWindow  *window,
                          const char *missing)
{
  const BpNetwork *net;
  Ask *ask;
  GtkWidget *dialog, *box;
  g_autofree char *base = NULL;
  g_autofree char *takes = NULL;
  g_autofree char *body = NULL;

  GFile *file;

  g_return_if_fail (BPV_IS_WINDOW (window));

  close_dialog (window);
  file = bpv_window_get_imported_from (window);
  if (file == NULL)
    file = bpv_window_get_file (window);
  net = bpv_session_get_network (bpv_window_get_session (window));
  ask = g_new0 (Ask, 1);
  ask->window = window;
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &ask->window);
  ask->model_path = file != NULL ? g_file_get_path (file) : NULL;
  ask->names = g_ptr_array_new_with_free_func (g_free);
  keep_widths (window, net);

  base = model_base (window);
  takes = takes_text (base, net->n_inputs, bp_network_n_outputs (net));
  if (missing == NULL)
    body = g_strdup_printf (_("%s, and holds no data. Choose a CSV file of that shape (the input "
                              "columns, then the target column) or a built-in dataset that fits, "
                              "to see its forward and backward pass on real samples."), takes);
  else
    body = g_strdup_printf (_("%s; its data, %s, is not there. Choose a CSV file of that shape "
                              "(the input columns, then the target column) or a built-in dataset "
                              "that fits."), takes, missing);
  dialog = adw_message_dialog_new (GTK_WINDOW (window), _("Choose Data for the Model"), body);
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  ask->builtins = builtins_of_widths (net, ask->names);
  if (ask->builtins != NULL)
    gtk_box_append (GTK_BOX (box), GTK_WIDGET (ask->builtins));
  ask->error_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (ask->error_label, TRUE);
  gtk_label_set_xalign (ask->error_label, 0);
  gtk_label_set_selectable (ask->error_label, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (ask->error_label), "error");
  gtk_widget_set_visible (GTK_WIDGET (ask->error_label), FALSE);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (ask->error_label));
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), box);

  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "none", _("_No Data"));
  if (ask->builtins != NULL)
    adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "builtin", _("Use _Built-in"));
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "csv", _("Choose _CSV…"));
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "csv",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "csv");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "none");
  /* A refused CSV brings the same question back: closing only hides it. */
  gtk_window_set_hide_on_close (GTK_WINDOW (dialog), TRUE);
  g_object_set_data_full (G_OBJECT (dialog), "ask", ask, (GDestroyNotify) ask_free);
  g_signal_connect (dialog, "response", G_CALLBACK (on_response), ask);
  g_object_set_data (G_OBJECT (window), DIALOG_DATA, dialog);
  backprop_studio_data_explain (window);
  bpv_event ("DATA-ASK %s %zu %zu", base, net->n_inputs, bp_network_n_outputs (net));
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ----------------------------------------------------------- following */

/* The window's data changed: a dataset of the imported widths is this
 * model's data from now on.  One of other widths refitted the network
 * (bp_model_fit_to_data: new weights from the seed): said once, since the
 * imported weights are what the user came for. */
static void
on_structure_changed (BpvSession *session,
                      BpvWindow  *window)
{
  const BpModel *model = bpv_session_get_model (session);
  const BpNetwork *net = bpv_session_get_network (session);
  Widths *w = g_object_get_data (G_OBJECT (window), WIDTHS_DATA);
  GFile *onnx = bpv_window_get_imported_from (window);
  g_autofree char *path = onnx != NULL ? g_file_get_path (onnx) : NULL;
  g_autofree char *remembered = NULL;
  g_autoptr(GError) error = NULL;

  if (path == NULL || w == NULL || model->dataset == NULL)
    return;
  if (net->n_inputs != w->n_in || bp_network_n_outputs (net) != w->n_out)
    {
      if (!w->refit_told)
        bpv_window_toast (window, _("The data has other widths: the network was fitted to it "
                                    "with new weights (undo brings back the imported ones)"));
      w->refit_told = TRUE;
      return;
    }
  w->refit_told = FALSE;
  if (g_strcmp0 (model->dataset, BPV_SESSION_NO_DATA) == 0)
    return;
  remembered = backprop_studio_data_remembered (path);
  if (g_strcmp0 (remembered, model->dataset) == 0)
    return;
  if (!backprop_studio_data_remember (path, model->dataset, &error))
    bpv_window_toast (window, error->message);
  bpv_event ("DATA-REMEMBERED %s", model->dataset);
  backprop_studio_data_explain (window);
}

static void
on_window_session (BpvWindow  *window,
                   GParamSpec *pspec,
                   gpointer    data)
{
  BpvSession *session = bpv_window_get_session (window);
  BpvSession *followed = g_object_get_data (G_OBJECT (window), FOLLOWED_DATA);

  if (followed == session)
    return;
  if (followed != NULL)
    g_signal_handlers_disconnect_by_func (followed, on_structure_changed, window);
  g_object_set_data_full (G_OBJECT (window), FOLLOWED_DATA, g_object_ref (session), g_object_unref);
  g_signal_connect_object (session, "structure-changed", G_CALLBACK (on_structure_changed), window, 0);
}

void
backprop_studio_data_follow (BpvWindow *window)
{
  g_return_if_fail (BPV_IS_WINDOW (window));

  if (g_object_get_data (G_OBJECT (window), WIDTHS_DATA) == NULL)
    keep_widths (window, bpv_session_get_network (bpv_window_get_session (window)));
  on_window_session (window, NULL, NULL);
  g_signal_connect (window, "notify::session", G_CALLBACK (on_window_session), NULL);
}

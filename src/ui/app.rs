//! The eframe app: drains the service's events into the model, turns input
//! (drops, paste, shortcuts) into commands, and draws the screens. It never
//! blocks; it repaints only when an event arrives or something on screen
//! counts down.

use std::collections::HashMap;
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use egui::{Frame, Key, KeyboardShortcut, Modifiers, RichText, TextureHandle};

use super::model::{Happening, Model};
use super::perf::PerfLog;
use super::settings::Edit;
use super::tile::Action;
use super::{AppOptions, composer, dialogs, settings, theme, welcome};
use crate::core::service::{AppEvent, Command, Service, TileKey};

/// A dialog over the window.
#[derive(Debug, Clone, PartialEq)]
pub enum Dialog {
    Alt {
        key: TileKey,
        name: String,
        text: String,
    },
    ConfirmDelete(String),
    /// The content warning of a photo or video.
    Warning {
        key: TileKey,
        name: String,
    },
    /// "Post at…": a date and a time for the composed post.
    PostAt(super::schedule::PostAt),
    /// The window is closing while scheduled posts wait.
    CloseWhileWaiting,
}

/// Runtime view state (not persisted).
#[derive(Debug, Default)]
pub struct View {
    pub dialog: Option<Dialog>,
    /// The content warning while its dialog is open.
    pub warning: crate::core::media::warning::ContentWarning,
    /// The Settings form while open.
    pub settings: Option<Edit>,
    /// How long the sign-in waits before naming the callback URL to
    /// register (default [`SIGN_IN_HINT_AFTER`]; tests shorten it).
    ///
    /// [`SIGN_IN_HINT_AFTER`]: crate::core::auth::loopback::SIGN_IN_HINT_AFTER
    pub sign_in_hint_after: Option<std::time::Duration>,
    /// "Quit" was chosen while scheduled posts wait: close for real.
    pub quit_anyway: bool,
    /// Theme, text size and practice (the title) as last applied.
    applied_appearance: Option<(Option<String>, Option<f32>, bool)>,
}

pub struct App {
    service: Service,
    events: Receiver<AppEvent>,
    pub model: Model,
    pub view: View,
    pub textures: HashMap<TileKey, TextureHandle>,
    perf: Option<PerfLog>,
    /// Test-only: panic on the first frame (the crash window's test).
    test_panic: bool,
    /// "Now" for scheduling (the service's clock).
    pub clock: crate::core::clock::Clock,
    /// The tray icon while scheduled posts wait (ui/tray.rs).
    pub tray: crate::core::tray::Tray,
    /// Later starts of X Uploader asking this window to come forward
    /// (ui/instance.rs).
    pub instance: Option<super::instance::Held>,
}

impl App {
    pub fn new(cc: &eframe::CreationContext<'_>, options: AppOptions) -> App {
        let ctx = cc.egui_ctx.clone();
        let clock = options.service.clock.clone();
        let (service, events) = Service::start(
            options.service,
            std::sync::Arc::new(move || ctx.request_repaint()),
        );
        let perf = options
            .perf_log
            .as_deref()
            .and_then(|p| match PerfLog::open(p) {
                Ok(log) => Some(log),
                Err(e) => {
                    tracing::error!("perf log {} not opened: {e}", p.display());
                    None
                }
            });
        App {
            service,
            events,
            model: Model::default(),
            view: View::default(),
            textures: HashMap::new(),
            perf,
            test_panic: std::env::var_os("X_UPLOADER_TEST_PANIC").is_some(),
            clock,
            tray: super::tray::new(&cc.egui_ctx),
            instance: None,
        }
    }

    pub fn send(&self, command: Command) {
        self.service.send(command);
    }

    pub fn open_settings(&mut self) {
        if let Some(mode) = &self.model.mode {
            self.view.settings = Some(Edit::from_form(&mode.settings));
        }
    }

    pub fn post(&mut self) {
        if composer::post_blocker(self).is_none() {
            self.send(Command::Post(self.model.text.clone()));
        }
    }

    pub fn tile_action(&mut self, key: TileKey, action: Action) {
        let command = match action {
            Action::Remove => Command::Remove(key),
            Action::Pause => Command::Pause(key),
            Action::Resume => Command::Resume(key),
            Action::Cancel => Command::Cancel(key),
            Action::Retry => Command::Retry(key),
            Action::Continue => Command::Continue(key),
            Action::StartOver => Command::StartOver(key),
            Action::ConvertForX => Command::ConvertForX(key),
            Action::Extras(c) => Command::Extras(c),
            Action::EditWarning => return super::extras::open_warning(self, key),
            Action::EditAlt => {
                if let Some(t) = self.model.tiles.iter().find(|t| t.key == key) {
                    self.view.dialog = Some(Dialog::Alt {
                        key,
                        name: t.name.clone(),
                        text: t.alt.clone(),
                    });
                }
                return;
            }
        };
        self.send(command);
    }

    /// Apply waiting events; tell the desktop about results while the
    /// window is in the background.
    fn drain(&mut self, ctx: &egui::Context) {
        let now = Instant::now();
        let focused = ctx.input(|i| i.focused);
        while let Ok(event) = self.events.try_recv() {
            let happening = self.model.apply(event, now);
            match happening {
                Some(Happening::Posted(text)) if !focused => self.send(Command::Notify {
                    title: text,
                    body: "Your post went out.".into(),
                }),
                Some(Happening::UploadFailed(message)) if !focused => self.send(Command::Notify {
                    title: "An upload failed".into(),
                    body: message,
                }),
                _ => {}
            }
        }
        // Previews become textures (cheap: small, already decoded).
        for (key, (w, h, rgba)) in self.model.previews.drain() {
            let image = egui::ColorImage::from_rgba_unmultiplied([w as usize, h as usize], &rgba);
            let texture = ctx.load_texture(
                format!("preview-{key}"),
                image,
                egui::TextureOptions::LINEAR,
            );
            self.textures.insert(key, texture);
        }
        let keys: Vec<TileKey> = self.model.tiles.iter().map(|t| t.key).collect();
        self.textures.retain(|k, _| keys.contains(k));
        if let Some(mode) = &self.model.mode {
            let wanted = (
                mode.settings.theme.clone(),
                mode.settings.text_scale,
                mode.practice,
            );
            if self.view.applied_appearance.as_ref() != Some(&wanted) {
                theme::apply(ctx, wanted.0.as_deref(), wanted.1);
                let title = if mode.practice {
                    "X Uploader — Practice"
                } else {
                    "X Uploader"
                };
                ctx.send_viewport_cmd(egui::ViewportCommand::Title(title.into()));
                self.view.applied_appearance = Some(wanted);
            }
        }
    }

    /// Dropped files, pasted pictures and Ctrl+Enter.
    fn input(&mut self, ctx: &egui::Context) {
        let dropped: Vec<std::path::PathBuf> = ctx.input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_path_buf())
                .filter(|p| !p.as_os_str().is_empty())
                .collect()
        });
        if !dropped.is_empty() {
            self.send(Command::AddFiles(dropped));
        }
        let pasted: Vec<std::sync::Arc<egui::ColorImage>> = ctx.input(|i| {
            i.events
                .iter()
                .filter_map(|e| match e {
                    egui::Event::PasteImage(img) => Some(img.clone()),
                    _ => None,
                })
                .collect()
        });
        for img in pasted {
            let rgba: Vec<u8> = img
                .pixels
                .iter()
                .flat_map(|c| c.to_srgba_unmultiplied())
                .collect();
            self.send(Command::PasteImage {
                width: img.size[0] as u32,
                height: img.size[1] as u32,
                rgba: std::sync::Arc::new(rgba),
            });
        }
        let post = KeyboardShortcut::new(Modifiers::COMMAND, Key::Enter);
        if self.view.dialog.is_none() && ctx.input_mut(|i| i.consume_shortcut(&post)) {
            self.post();
        }
    }

    /// Ask for a repaint only when something on screen will change by
    /// itself: a retry countdown, or a notice about to go away.
    fn schedule(&self, ctx: &egui::Context, now: Instant) {
        let counting = self.model.tiles.iter().any(|t| {
            t.state == crate::core::draft::MediaState::Uploading
                && t.progress.as_ref().is_some_and(|p| p.counting_down())
        });
        if counting {
            ctx.request_repaint_after(Duration::from_millis(500));
        }
        if let Some((_, at)) = &self.model.notice {
            let shown = now.duration_since(*at);
            if shown < Duration::from_secs(8) {
                ctx.request_repaint_after(Duration::from_secs(8) - shown);
            }
        }
    }

    fn practice_band(&mut self, ui: &mut egui::Ui) {
        egui::Panel::top("practice-band")
            .frame(
                Frame::new()
                    .fill(theme::PRACTICE)
                    .inner_margin(egui::Margin::symmetric(12, 6)),
            )
            .show(ui, |ui| {
                ui.horizontal(|ui| {
                    ui.label(
                        RichText::new("Practice — nothing is posted to X")
                            .strong()
                            .color(egui::Color32::BLACK),
                    );
                    ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                        if ui.button("Leave practice mode").clicked() {
                            super::instance::switch(self, false);
                        }
                    });
                });
            });
    }
}

impl eframe::App for App {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.drain(ctx);
        self.input(ctx);
        super::tray::logic(self, ctx);
        super::instance::logic(self, ctx);
        super::closing::intercept(self, ctx);
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        if self.test_panic {
            panic!("a deliberate panic (X_UPLOADER_TEST_PANIC) to test the crash window");
        }
        let started = self.perf.as_ref().map(|p| p.start());
        let now = Instant::now();
        let ctx = ui.ctx().clone();

        if self.model.practice() {
            self.practice_band(ui);
        }
        egui::Panel::top("title-bar")
            .frame(Frame::side_top_panel(ui.style()).inner_margin(egui::Margin::symmetric(12, 8)))
            .show(ui, |ui| dialogs::title_bar(self, ui));
        let signed_in = self.model.active.is_some();
        if self.view.settings.is_some() {
            egui::CentralPanel::default().show(ui, |ui| settings::show(self, ui));
        } else if signed_in {
            egui::Panel::bottom("post-bar")
                .frame(
                    Frame::side_top_panel(ui.style()).inner_margin(egui::Margin::symmetric(12, 4)),
                )
                .show(ui, |ui| composer::post_bar(self, ui));
            egui::CentralPanel::default().show(ui, |ui| composer::show(self, ui, now));
        } else {
            egui::CentralPanel::default().show(ui, |ui| welcome::show(self, ui));
        }
        dialogs::show(self, ui);
        super::instance::show(self, ui);

        // A visible target while files hover over the window.
        let hovering = ctx.input(|i| !i.raw.hovered_files.is_empty());
        if hovering {
            let rect = ctx.content_rect();
            let painter = ctx.layer_painter(egui::LayerId::new(
                egui::Order::Foreground,
                egui::Id::unique("drop"),
            ));
            painter.rect_filled(rect, 0, theme::BLUE.gamma_multiply(0.25));
            painter.rect_stroke(
                rect.shrink(6.0),
                12,
                egui::Stroke::new(3.0, theme::BLUE),
                egui::StrokeKind::Inside,
            );
            painter.text(
                rect.center(),
                egui::Align2::CENTER_CENTER,
                "Drop to add to the post",
                egui::FontId::proportional(24.0),
                ui.visuals().strong_text_color(),
            );
        }
        self.schedule(&ctx, now);
        if let (Some(perf), Some(started)) = (&self.perf, started) {
            perf.end(started, ctx.has_requested_repaint());
        }
    }
}

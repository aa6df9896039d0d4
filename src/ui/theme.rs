//! Colours and text size. X's blue for the main action; green, amber and
//! red mean the same everywhere (done, attention, refused).

use egui::{Color32, Context, ThemePreference};

pub const BLUE: Color32 = Color32::from_rgb(29, 155, 240);
pub const GREEN: Color32 = Color32::from_rgb(0, 160, 90);
pub const AMBER: Color32 = Color32::from_rgb(230, 150, 0);
pub const RED: Color32 = Color32::from_rgb(220, 50, 60);
pub const PRACTICE: Color32 = Color32::from_rgb(255, 212, 0);

/// Grey for a chunk still waiting, readable on both themes.
pub fn waiting(dark: bool) -> Color32 {
    if dark {
        Color32::from_gray(70)
    } else {
        Color32::from_gray(205)
    }
}

/// "system", "light", "dark" (from settings).
pub fn preference(theme: Option<&str>) -> ThemePreference {
    match theme {
        Some("light") => ThemePreference::Light,
        Some("dark") => ThemePreference::Dark,
        _ => ThemePreference::System,
    }
}

pub fn apply(ctx: &Context, theme: Option<&str>, text_scale: Option<f32>) {
    ctx.set_theme(preference(theme));
    ctx.set_zoom_factor(text_scale.unwrap_or(1.0).clamp(0.75, 2.0));
    ctx.all_styles_mut(|style| {
        style.spacing.item_spacing = egui::vec2(8.0, 6.0);
        style.spacing.button_padding = egui::vec2(10.0, 4.0);
    });
}

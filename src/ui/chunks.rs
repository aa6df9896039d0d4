//! The segmented bar: one cell per chunk (grey waiting, blue filling while
//! sent, green done, amber retrying), on at most two rows; above 300 chunks
//! (or more than two rows of a narrow tile hold) one cell stands for
//! several, and the caller says so.

use egui::{Rect, Sense, Stroke, StrokeKind, Ui, vec2};

use super::model::Cell;
use super::theme;

/// Chunks per cell so that at most 300 cells are drawn, and no more than
/// two rows of `width` hold (cells of 1.5 px or more, 1 px apart).
pub fn group_size(chunks: usize, width: f32) -> usize {
    let fit = (2.0 * ((width + 1.0) / 2.5).floor()).max(2.0) as usize;
    chunks.div_ceil(fit.min(300)).max(1)
}

fn grouped(cells: &[Cell], group: usize) -> Vec<Cell> {
    cells
        .chunks(group)
        .map(|g| {
            if g.iter().all(|c| *c == Cell::Done) {
                Cell::Done
            } else if g.contains(&Cell::Retrying) {
                Cell::Retrying
            } else if g.iter().any(|c| matches!(c, Cell::Sending(_) | Cell::Done)) {
                let filled: f32 = g
                    .iter()
                    .map(|c| match c {
                        Cell::Done => 1.0,
                        Cell::Sending(f) => *f,
                        _ => 0.0,
                    })
                    .sum();
                Cell::Sending(filled / g.len() as f32)
            } else {
                Cell::Waiting
            }
        })
        .collect()
}

/// Draw the bar across the available width; `label` names it for screen
/// readers ("Chunks of launch.mp4: 12 of 125 sent").
pub fn bar(ui: &mut Ui, cells: &[Cell], label: String, percent: u32) -> egui::Response {
    let width = ui.available_width();
    let group = group_size(cells.len(), width);
    let cells = grouped(cells, group);
    let n = cells.len().max(1);
    let gap = if n > 60 { 1.0 } else { 2.0 };
    let rows = if (width / n as f32) < 6.0 { 2 } else { 1 };
    let per_row = n.div_ceil(rows);
    let cell_w = ((width + gap) / per_row as f32 - gap).max(1.5);
    let cell_h = if rows == 1 { 12.0 } else { 7.0 };
    let height = rows as f32 * cell_h + (rows - 1) as f32 * 3.0;
    let (rect, response) = ui.allocate_exact_size(vec2(width, height), Sense::hover());
    if ui.is_rect_visible(rect) {
        let dark = ui.visuals().dark_mode;
        let painter = ui.painter();
        for (i, cell) in cells.iter().enumerate() {
            let (row, col) = (i / per_row, i % per_row);
            let min = rect.min + vec2(col as f32 * (cell_w + gap), row as f32 * (cell_h + 3.0));
            let r = Rect::from_min_size(min, vec2(cell_w, cell_h));
            match cell {
                Cell::Waiting => {
                    painter.rect_filled(r, 1.5, theme::waiting(dark));
                }
                Cell::Done => {
                    painter.rect_filled(r, 1.5, theme::GREEN);
                }
                Cell::Retrying => {
                    painter.rect_filled(r, 1.5, theme::AMBER);
                }
                Cell::Sending(f) => {
                    painter.rect_filled(r, 1.5, theme::waiting(dark));
                    let filled =
                        Rect::from_min_size(r.min, vec2(r.width() * f.clamp(0.0, 1.0), r.height()));
                    painter.rect_filled(filled, 1.5, theme::BLUE);
                    painter.rect_stroke(r, 1.5, Stroke::new(1.0, theme::BLUE), StrokeKind::Inside);
                }
            }
        }
    }
    // Screen readers hear the percent the tile shows.
    response.widget_info(|| {
        let mut info =
            egui::WidgetInfo::labeled(egui::Role::ProgressIndicator, true, label.clone());
        info.value = Some(f64::from(percent));
        info
    });

    if group > 1 {
        response.on_hover_text(format!("Each cell is {group} chunks of the file."))
    } else {
        response.on_hover_text("Each cell is one chunk of the file.")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grouping_keeps_at_most_300_cells() {
        let wide = 1000.0;
        assert_eq!(group_size(125, wide), 1);
        assert_eq!(group_size(300, wide), 1);
        assert_eq!(group_size(301, wide), 2);
        assert_eq!(group_size(1000, wide), 4);
        // A narrow tile (two per row) takes 216 cells of 1.5 px on two rows:
        // 256 chunks (1 MiB of a 256 MiB video) go two to a cell.
        assert_eq!(group_size(216, 271.0), 1);
        assert_eq!(group_size(256, 271.0), 2);
        let cells = vec![
            Cell::Done,
            Cell::Done,
            Cell::Sending(0.5),
            Cell::Waiting,
            Cell::Retrying,
            Cell::Done,
        ];
        assert_eq!(
            grouped(&cells, 2),
            vec![Cell::Done, Cell::Sending(0.25), Cell::Retrying]
        );
    }
}

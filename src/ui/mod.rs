//! The window (eframe/egui). It draws the model and sends commands to the
//! service; it never blocks and never awaits.

pub mod model;

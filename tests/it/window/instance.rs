//! One window at a time: this window holds the lock (as the first start
//! does), the real binary started again with a photo ("Open with X
//! Uploader") hands it over and quits; the window comes forward and the
//! photo is in its composer. And switching to practice mode or back is
//! refused while another window is open in that mode.

use std::time::{Duration, Instant};

use egui::ViewportCommand;
use egui_kittest::kittest::Queryable as _;
use x_uploader::core::instance::Instance;

use super::schedule::commands;
use super::{Gui, Setup};
use crate::cli::{Home, p, run};
use crate::instance::data_dir;
use crate::support::*;

#[test]
fn a_second_start_hands_its_photo_to_the_open_window() {
    let dir = temp_dir();
    let mut gui = Gui::start(&Setup::new(&dir));
    gui.sign_in(NEWS);
    let home = Home::new();
    let held = Instance::take(&data_dir(&home), false).unwrap().unwrap();
    attach(&mut gui, held);

    let photo = Files::new().jpeg("from the file manager.jpg", None);
    let mut second = home.command("http://127.0.0.1:9");
    second.arg(p(&photo));
    let started = Instant::now();
    let r = run(second);
    assert_eq!((r.code, r.stdout.as_str(), r.stderr.as_str()), (0, "", ""));
    assert!(started.elapsed() < Duration::from_secs(10));

    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !gui
        .app()
        .model
        .tiles
        .iter()
        .any(|t| t.name == "from the file manager.jpg")
    {
        assert!(Instant::now() < deadline, "the photo never came");
        gui.harness.step();
        seen.extend(commands(&gui));
        std::thread::sleep(Duration::from_millis(15));
    }
    assert!(
        seen.contains(&ViewportCommand::Minimized(false)),
        "{seen:?}"
    );
    assert!(seen.contains(&ViewportCommand::Focus), "{seen:?}");
    assert_eq!(gui.app().model.tiles.len(), 1, "added once");
}

fn attach(gui: &mut Gui, instance: Instance) {
    let ctx = gui.harness.ctx.clone();
    x_uploader::ui::instance::attach(gui.harness.state_mut(), &ctx, instance);
    gui.harness.step();
}

#[test]
fn leaving_practice_waits_for_the_other_window_outside_it() {
    let dir = temp_dir();
    let setup = Setup::new(&dir);
    let data = setup.home.join("data");
    let mut gui = Gui::start(&setup);
    attach(&mut gui, Instance::take(&data, true).unwrap().unwrap());
    let other = Instance::take(&data, false)
        .unwrap()
        .expect("real mode is free");

    gui.click("Leave practice mode");
    assert!(
        gui.harness
            .query_by_label_contains("open in another window outside practice mode")
            .is_some()
    );
    for _ in 0..20 {
        gui.harness.step();
    }
    assert!(gui.app().model.practice(), "still in practice mode");
    gui.click("OK");
    assert!(gui.harness.query_by_label("OK").is_none());

    drop(other);
    gui.click("Leave practice mode");
    gui.until("out of practice mode", |app| !app.model.practice());
    assert!(
        Instance::take(&data, false).unwrap().is_none(),
        "held by it"
    );
    assert!(Instance::take(&data, true).unwrap().is_some(), "let go");
}

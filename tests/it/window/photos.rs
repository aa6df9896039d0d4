//! Photos being made to fit say so on their tile instead of looking stuck,
//! and Settings' two photo choices (location, making photos fit) are saved
//! and followed.

use egui_kittest::kittest::{NodeT as _, Queryable as _};
use x_uploader::core::limits::LIMITS;
use x_uploader::ui::model::MediaState;

use super::{Gui, Setup, all_ready};
use crate::photos::{photo_like, tool};
use crate::support::*;

/// A 12 MP camera-like JPEG, over X's 5 MB.
fn camera_photo(files: &Files, name: &str) -> std::path::PathBuf {
    let path = files.path(name);
    photo_like(&path, 4000, 3000, &["-quality", "92"]);
    assert!(std::fs::metadata(&path).unwrap().len() > LIMITS.photo_max_bytes);
    path
}

/// A small JPEG that says where it was taken.
fn located_photo(files: &Files, name: &str) -> std::path::PathBuf {
    let path = files.jpeg(name, Some(300_000));
    tool(
        "exiftool",
        &[
            "-q",
            "-overwrite_original",
            "-GPSLatitude=40.4",
            "-GPSLatitudeRef=N",
            path.to_str().unwrap(),
        ],
    );
    path
}

#[test]
fn a_photo_being_made_smaller_says_so_then_uploads() {
    let dir = temp_dir();
    let mut gui = Gui::start(&Setup::new(&dir));
    gui.sign_in(NEWS);
    let files = Files::new();
    let photo = camera_photo(&files, "DSC_0001.jpg");
    gui.drop_files(std::slice::from_ref(&photo));
    gui.until("the tile says it is being made smaller", |app| {
        let t = &app.model.tiles[0];
        t.state == MediaState::Converting
            && t.converting.as_ref().map(|c| c.doing.as_str()) == Some("Making it smaller…")
    });
    assert!(
        gui.harness.query_by_label("Making it smaller…").is_some(),
        "the words are on the tile"
    );
    let key = gui.app().model.tiles[0].key;
    gui.until("the photo shows while it is made smaller", |app| {
        app.model.tiles[0].state == MediaState::Converting && app.textures.contains_key(&key)
    });
    gui.until("uploaded", all_ready);
    let note = gui.app().model.tiles[0]
        .info
        .as_ref()
        .and_then(|i| i.note.clone())
        .unwrap_or_default();
    assert!(note.starts_with("Made smaller to fit X: "), "{note}");
    let shown = note.replace(" → ", " to ");
    assert!(
        gui.harness.query_by_label(&shown).is_some(),
        "{shown} on the tile"
    );
    assert!(gui.harness.query_by_label("Making it smaller…").is_none());
}

#[test]
fn settings_turn_off_removing_location_and_making_photos_fit() {
    let dir = temp_dir();
    let setup = Setup::new(&dir);
    let mut gui = Gui::start(&setup);
    gui.sign_in(NEWS);
    let checked = |gui: &Gui, label: &str| {
        gui.harness.get_by_label(label).accesskit_node().toggled()
            == Some(egui::accesskit::Toggled::True)
    };
    let location = "Remove location from photos and videos";
    let fit = "Make photos fit X automatically";
    gui.open_settings();
    assert!(
        checked(&gui, location) && checked(&gui, fit),
        "on by default"
    );
    gui.click(location);
    gui.click(fit);
    assert!(!checked(&gui, location) && !checked(&gui, fit));
    // Down to Save (the page scrolls there over a few frames).
    gui.harness.get_by_label("Save").scroll_to_me();
    for _ in 0..20 {
        gui.harness.step();
    }
    gui.click("Save");
    gui.until("saved", |app| {
        app.model
            .mode
            .as_ref()
            .is_some_and(|m| m.settings.convert_photos == Some(false))
    });
    let written = std::fs::read_to_string(setup.home.join("config/config.toml")).unwrap();
    let file: toml::Value = toml::from_str(&written).unwrap();
    assert_eq!(
        file["upload"]["keep_location"].as_bool(),
        Some(true),
        "{written}"
    );
    assert_eq!(
        file["photos"]["convert"].as_bool(),
        Some(false),
        "{written}"
    );
    gui.open_settings();
    assert!(
        !checked(&gui, location) && !checked(&gui, fit),
        "Settings show what was saved"
    );
    gui.click("Back");

    // Followed: the large photo is refused as X would, the location stays.
    let files = Files::new();
    let located = located_photo(&files, "stand.jpg");
    let large = camera_photo(&files, "DSC_0002.jpg");
    gui.drop_files(&[located, large]);
    gui.until("checked", |app| {
        app.model.tiles.len() == 2
            && app.model.tiles[0].state == MediaState::Ready
            && matches!(app.model.tiles[1].state, MediaState::Refused { .. })
    });
    let tiles = gui.app().model.tiles.clone();
    assert_eq!(tiles[0].info.as_ref().unwrap().note, None, "sent as it is");
    let MediaState::Refused { reason, .. } = &tiles[1].state else {
        unreachable!()
    };
    assert!(reason.contains("DSC_0002.jpg"), "{reason}");
    assert!(gui.harness.query_by_label("Location removed").is_none());
}

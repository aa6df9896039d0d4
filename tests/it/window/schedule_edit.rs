//! Edit from the queue brings a scheduled post back as it was queued:
//! who can reply with it.

use x_uploader::core::service::PostState;

use super::schedule::HOUR;
use super::thread::stored;
use super::{Gui, Setup};
use crate::support::*;

fn reply_with(gui: &mut Gui, words: &str, value: Option<&str>) {
    gui.click("Who can reply");
    gui.click(words);
    gui.until("chosen", |app| app.model.reply_settings.as_deref() == value);
}

#[test]
fn edit_brings_back_who_can_reply() {
    let dir = temp_dir();
    let setup = Setup::new(&dir);
    let mut gui = Gui::start(&setup);
    gui.sign_in(NEWS);
    gui.type_post("Hall 4 opens at ten");
    reply_with(&mut gui, "People you follow", Some("following"));
    gui.post_at(HOUR);
    // The next post is for everyone…
    reply_with(&mut gui, "Everyone can reply", None);
    // …the scheduled one, back in the composer, still for people followed.
    let label = gui.queue_label(0);
    gui.click(&format!("Edit: {label}"));
    gui.until("back, with who can reply", |app| {
        app.model.queue.is_empty()
            && app.model.text == "Hall 4 opens at ten"
            && app.model.reply_settings.as_deref() == Some("following")
    });
    gui.click("Post");
    gui.until("posted", |app| {
        matches!(app.model.post, PostState::Posted { .. })
    });
    let posts = stored(&gui);
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0]["reply_settings"], "following", "{}", posts[0]);
}

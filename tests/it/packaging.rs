//! Packaging and the crash window: the desktop entry, AppStream metainfo,
//! icons and .deb assets agree with the app; a panic writes its report and
//! opens the crash window instead of vanishing.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use x_uploader::ui::APP_ID;
use x_uploader::ui::crash::CrashApp;

use crate::cli::Home;

fn repo(path: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

#[test]
fn packaging_files_agree_with_the_app() {
    let desktop =
        std::fs::read_to_string(repo(&format!("packaging/linux/{APP_ID}.desktop"))).unwrap();
    for line in [
        "Name=X Uploader",
        "Exec=x-uploader %F",
        &format!("Icon={APP_ID}"),
        &format!("StartupWMClass={APP_ID}"),
    ] {
        assert!(
            desktop.lines().any(|l| l == line),
            "desktop entry lacks {line}"
        );
    }
    let mimes = desktop
        .lines()
        .find_map(|l| l.strip_prefix("MimeType="))
        .unwrap();
    for mime in [
        "image/jpeg",
        "image/png",
        "image/webp",
        "image/gif",
        "image/heic",
        "image/heif",
        "image/tiff",
        "image/bmp",
        "video/mp4",
        "video/quicktime",
    ] {
        assert!(mimes.contains(mime), "{mime} missing from MimeType");
    }
    let metainfo =
        std::fs::read_to_string(repo(&format!("packaging/linux/{APP_ID}.metainfo.xml"))).unwrap();
    assert!(metainfo.contains(&format!("<id>{APP_ID}</id>")));
    assert!(metainfo.contains(&format!(
        "<launchable type=\"desktop-id\">{APP_ID}.desktop</launchable>"
    )));

    let manifest: toml::Value =
        toml::from_str(&std::fs::read_to_string(repo("Cargo.toml")).unwrap()).unwrap();
    let deb = &manifest["package"]["metadata"]["deb"];
    assert!(
        deb["depends"]
            .as_str()
            .unwrap()
            .contains("libheif-examples"),
        "HEIC photos need heif-convert"
    );
    let plist = std::fs::read_to_string(repo("packaging/macos/Info.plist")).unwrap();
    let iss = std::fs::read_to_string(repo("packaging/windows/x-uploader.iss")).unwrap();
    for (uti, ext) in [
        ("public.heic", ".heic"),
        ("public.tiff", ".tif"),
        ("com.microsoft.bmp", ".bmp"),
    ] {
        assert!(plist.contains(uti), "{uti} missing from Info.plist");
        assert!(
            iss.contains(&format!("ValueName: \"{ext}\"")),
            "{ext} missing from the installer"
        );
    }
    let assets = deb["assets"].as_array().unwrap();
    let mut icons = 0;
    for asset in assets {
        let source = asset[0].as_str().unwrap();
        let target = asset[1].as_str().unwrap();
        if source != "target/dist/x-uploader" {
            assert!(repo(source).exists(), "{source} is packaged but missing");
        }
        if target.contains("/icons/hicolor/") {
            icons += 1;
            assert!(
                target.ends_with(&format!("apps/{APP_ID}.png"))
                    || target.ends_with(&format!("apps/{APP_ID}.svg"))
            );
        }
    }
    assert!(icons >= 9, "icons from 16 px to 512 px plus the SVG");
    for other in [
        "assets/icons/x-uploader.ico",
        "assets/icons/x-uploader.icns",
        "packaging/macos/Info.plist",
        "packaging/windows/x-uploader.iss",
    ] {
        assert!(repo(other).exists(), "{other}");
    }
}

#[test]
fn crash_window_says_what_happened_and_where_the_details_are() {
    let report = Path::new("/home/me/.local/share/x-uploader/logs/crash-20261123-120000.txt");
    let harness = Harness::builder()
        .with_size([520.0, 200.0])
        .build_eframe(|_| CrashApp::new(report));
    assert!(
        harness
            .query_by_label_contains("X Uploader stopped unexpectedly")
            .is_some()
    );
    assert!(
        harness
            .query_by_label_contains("unfinished uploads are kept")
            .is_some()
    );
    assert!(
        harness
            .query_by_label(&report.display().to_string())
            .is_some()
    );
    for button in ["Start X Uploader again", "Open the log folder", "Close"] {
        assert!(harness.query_by_label(button).is_some(), "{button}");
    }
}

#[test]
fn a_panic_writes_its_report_and_opens_the_crash_window() {
    assert!(
        std::env::var_os("DISPLAY").is_some(),
        "this test opens windows: run it through scripts/test.sh (Xvfb)"
    );
    let home = Home::new();
    let mut app = home.command("http://127.0.0.1:9");
    app.env("X_UPLOADER_TEST_PANIC", "1")
        .env("DISPLAY", std::env::var_os("DISPLAY").unwrap())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    // xvfb-run's display needs its cookie.
    if let Some(auth) = std::env::var_os("XAUTHORITY") {
        app.env("XAUTHORITY", auth);
    }
    let child = app.spawn().unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(101),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let logs = home.dir.path().join("data/x-uploader/logs");
    let report = std::fs::read_dir(&logs)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("crash-")
        })
        .expect("a crash report in the log folder");
    let text = std::fs::read_to_string(&report).unwrap();
    assert!(text.contains("a deliberate panic (X_UPLOADER_TEST_PANIC) to test the crash window"));
    assert!(text.contains("src/ui/app.rs"), "with where it happened");

    // The crash window runs as a process of its own.
    let pattern = format!("--crash-report {}", report.display());
    let deadline = Instant::now() + Duration::from_secs(10);
    let pid = loop {
        let found = Command::new("pgrep")
            .args(["-f", "--", &pattern])
            .output()
            .unwrap();
        let pids = String::from_utf8_lossy(&found.stdout).trim().to_string();
        if !pids.is_empty() {
            break pids;
        }
        assert!(Instant::now() < deadline, "no crash window was opened");
        std::thread::sleep(Duration::from_millis(100));
    };
    // It stays open for the user (not a flash): still there a moment later.
    std::thread::sleep(Duration::from_millis(1500));
    let still = Command::new("pgrep")
        .args(["-f", "--", &pattern])
        .status()
        .unwrap();
    assert!(still.success(), "the crash window stays open");
    for p in pid.lines() {
        let _ = Command::new("kill").arg(p).status();
    }
}

//! The login entry itself, one small case per system: an XDG autostart
//! desktop file (Linux and the other Unixes), a LaunchAgent property list
//! with RunAtLoad (macOS), a value under HKCU's `…\CurrentVersion\Run`
//! (Windows, written with `reg.exe`). Written by hand: the `auto-launch`
//! crate (0.6) ignores `XDG_CONFIG_HOME` and doesn't quote `Exec`.

use std::path::{Path, PathBuf};

/// The app's id (as `ui::APP_ID`): the entry's file name and label.
pub const ENTRY_ID: &str = "io.github.xuploader.XUploader";

/// Where the entry's file is in `dir` (Windows: none, it's the registry).
pub fn entry_path(dir: &Path) -> PathBuf {
    if cfg!(target_os = "macos") {
        dir.join(format!("{ENTRY_ID}.plist"))
    } else {
        dir.join(format!("{ENTRY_ID}.desktop"))
    }
}

/// `Exec=` for `exe` with `args` (plain flags), quoted per the Desktop
/// Entry spec: the path in double quotes with `"`, `` ` ``, `$` and `\`
/// escaped, `%` doubled, then backslashes escaped again as the value is a
/// string.
pub fn exec_line(exe: &Path, args: &[&str]) -> Result<String, String> {
    let path = exe
        .to_str()
        .filter(|p| !p.chars().any(char::is_control))
        .ok_or_else(|| {
            format!(
                "X Uploader can't start itself at login from {}: a login entry can't name a folder with such characters. Move X Uploader to a plain folder.",
                exe.display()
            )
        })?;
    let mut quoted = String::from("\"");
    for c in path.chars() {
        match c {
            '"' | '`' | '$' | '\\' => {
                quoted.push('\\');
                quoted.push(c);
            }
            '%' => quoted.push_str("%%"),
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    Ok(format!(
        "{} {}",
        quoted.replace('\\', "\\\\"),
        args.join(" ")
    ))
}

/// The autostart file for `exe`. `TryExec`: once X Uploader is
/// uninstalled the session skips the entry (a user's own folder, which no
/// package manager cleans).
pub fn desktop_entry(exe: &Path, args: &[&str]) -> Result<String, String> {
    let exec = exec_line(exe, args)?;
    let try_exec = exe.to_string_lossy().replace('\\', "\\\\");
    Ok(format!(
        "[Desktop Entry]\n\
         Type=Application\n\
         Name=X Uploader\n\
         Comment=Started at login because scheduled posts wait; removed when none do\n\
         TryExec={try_exec}\n\
         Exec={exec}\n\
         Icon={ENTRY_ID}\n\
         Terminal=false\n\
         StartupNotify=false\n\
         X-GNOME-Autostart-enabled=true\n"
    ))
}

/// The LaunchAgent for `exe` (RunAtLoad: at login).
#[cfg_attr(not(target_os = "macos"), allow(dead_code))]
pub fn launch_agent(exe: &Path, args: &[&str]) -> String {
    let xml = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>Label</key>
	<string>{ENTRY_ID}</string>
	<key>ProgramArguments</key>
	<array>
		<string>{}</string>{}
	</array>
	<key>RunAtLoad</key>
	<true/>
	<key>ProcessType</key>
	<string>Interactive</string>
</dict>
</plist>
"#,
        xml(&exe.to_string_lossy()),
        args.iter()
            .map(|a| format!("\n\t\t<string>{}</string>", xml(a)))
            .collect::<String>()
    )
}

#[cfg(not(windows))]
fn cant(what: &str, path: &Path, e: std::io::Error) -> String {
    format!(
        "X Uploader can't {what} the login entry {}: {e}.",
        path.display()
    )
}

/// Write the entry (only when it differs from what is there).
#[cfg(not(windows))]
pub fn install(dir: &Path, exe: &Path, args: &[&str]) -> Result<(), String> {
    let text = if cfg!(target_os = "macos") {
        launch_agent(exe, args)
    } else {
        desktop_entry(exe, args)?
    };
    let path = entry_path(dir);
    if std::fs::read_to_string(&path).is_ok_and(|t| t == text) {
        return Ok(());
    }
    std::fs::create_dir_all(dir).map_err(|e| cant("write", dir, e))?;
    crate::core::fsx::write_atomic(&path, text.as_bytes()).map_err(|e| cant("write", &path, e))
}

#[cfg(not(windows))]
pub fn remove(dir: &Path) -> Result<(), String> {
    let path = entry_path(dir);
    match std::fs::remove_file(&path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(cant("remove", &path, e)),
        _ => Ok(()),
    }
}

#[cfg(windows)]
pub use windows::{install, remove};

/// HKCU\Software\Microsoft\Windows\CurrentVersion\Run\X Uploader, by
/// `reg.exe` (no console window); done once per change in this process.
#[cfg(windows)]
mod windows {
    use std::os::windows::process::CommandExt;
    use std::path::Path;
    use std::process::Command;
    use std::sync::Mutex;

    const RUN_KEY: &str = r"HKCU\Software\Microsoft\Windows\CurrentVersion\Run";
    const VALUE: &str = "X Uploader";
    const CREATE_NO_WINDOW: u32 = 0x0800_0000;
    static DONE: Mutex<Option<String>> = Mutex::new(None);

    fn reg(args: &[&str]) -> Result<bool, String> {
        Command::new("reg")
            .args(args)
            .creation_flags(CREATE_NO_WINDOW)
            .output()
            .map(|o| o.status.success())
            .map_err(|e| format!("X Uploader can't change its start at login (reg.exe: {e})."))
    }

    fn once(state: String, run: impl FnOnce() -> Result<(), String>) -> Result<(), String> {
        let mut done = DONE.lock().unwrap_or_else(|e| e.into_inner());
        if done.as_deref() == Some(state.as_str()) {
            return Ok(());
        }
        run()?;
        *done = Some(state);
        Ok(())
    }

    pub fn install(_dir: &Path, exe: &Path, args: &[&str]) -> Result<(), String> {
        let data = format!("\"{}\" {}", exe.display(), args.join(" "));
        once(data.clone(), || {
            match reg(&["add", RUN_KEY, "/v", VALUE, "/t", "REG_SZ", "/d", &data, "/f"])? {
                true => Ok(()),
                false => Err("X Uploader can't add itself to the programs started at login (the registry refused).".into()),
            }
        })
    }

    pub fn remove(_dir: &Path) -> Result<(), String> {
        // Fails when there is no such value: nothing to remove.
        once(String::new(), || {
            reg(&["delete", RUN_KEY, "/v", VALUE, "/f"]).map(|_| ())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exec_quotes_the_path_as_the_spec_says() {
        assert_eq!(
            exec_line(Path::new("/usr/bin/x-uploader"), &["--minimized"]).unwrap(),
            r#""/usr/bin/x-uploader" --minimized"#
        );
        // A space, a dollar, a percent, a quote and a backslash.
        assert_eq!(
            exec_line(
                Path::new(r#"/opt/My $Apps/100% "X"\x-uploader"#),
                &["--minimized"]
            )
            .unwrap(),
            r#""/opt/My \\$Apps/100%% \\"X\\"\\\\x-uploader" --minimized"#
        );
        assert!(exec_line(Path::new("/opt/a\nb/x-uploader"), &[]).is_err());
    }

    #[test]
    fn the_launch_agent_runs_at_load_with_the_flag() {
        let plist = launch_agent(
            Path::new("/Applications/X Uploader.app/Contents/MacOS/x-uploader"),
            &["--minimized"],
        );
        assert!(plist.contains("<key>RunAtLoad</key>\n\t<true/>"));
        assert!(plist.contains(
            "<string>/Applications/X Uploader.app/Contents/MacOS/x-uploader</string>\n\t\t<string>--minimized</string>"
        ));
    }
}

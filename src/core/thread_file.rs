//! The text file `x-uploader thread FILE` reads: posts separated by a line
//! of exactly `---`; in a post, `media: PATH` (or `media: PATH | alt text`)
//! attaches a file, paths relative to the file's folder; every other line
//! is the post's text. A leading backslash keeps a line as it is
//! (`\---`, `\media: …`).

use std::path::{Path, PathBuf};

/// The most posts one thread holds.
pub const THREAD_MAX_POSTS: usize = 25;

/// One post of the thread, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadPost {
    /// Where the post starts in the file (1-based), for messages.
    pub line: usize,
    pub text: String,
    pub media: Vec<ThreadMedia>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadMedia {
    pub path: PathBuf,
    pub alt: Option<String>,
}

/// What is wrong with a thread file, naming the file and the line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ThreadFileError {
    #[error("Can't read {file}: {reason}.")]
    Unreadable { file: String, reason: String },
    #[error("{file} isn't UTF-8 text. Save it as UTF-8 (\"Unicode\") and try again.")]
    NotUtf8 { file: String },
    #[error(
        "{file}, line {line}: \"media:\" needs a file after it, like \"media: photo.jpg | A dog on a beach\"."
    )]
    MediaWithoutPath { file: String, line: usize },
    #[error(
        "{file}, post {post} (line {line}) is empty. Write its text or attach a file, or remove the extra \"---\"."
    )]
    EmptyPost {
        file: String,
        post: usize,
        line: usize,
    },
    #[error("{file} has no posts. Write the first post's text; separate posts with a line of ---.")]
    NoPosts { file: String },
    #[error("{file} has {count} posts; a thread holds up to {THREAD_MAX_POSTS}. Split it in two.")]
    TooManyPosts { file: String, count: usize },
}

/// Read and parse the thread file at `path`.
pub fn read_thread_file(path: &Path) -> Result<Vec<ThreadPost>, ThreadFileError> {
    let file = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| ThreadFileError::Unreadable {
        file: file.clone(),
        reason: match e.kind() {
            std::io::ErrorKind::NotFound => "there is no such file".into(),
            std::io::ErrorKind::PermissionDenied => "you don't have permission to read it".into(),
            _ => e.to_string(),
        },
    })?;
    let text =
        String::from_utf8(bytes).map_err(|_| ThreadFileError::NotUtf8 { file: file.clone() })?;
    let base = path.parent().unwrap_or(Path::new("."));
    parse_thread(&text, base, &file)
}

/// Parse a thread's text; relative media paths are taken from `base`;
/// `file` names the file in messages.
pub fn parse_thread(
    text: &str,
    base: &Path,
    file: &str,
) -> Result<Vec<ThreadPost>, ThreadFileError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut posts = Vec::new();
    let mut current = Draft::new(1);
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if line == "---" {
            posts.push(std::mem::replace(&mut current, Draft::new(n + 1)));
            continue;
        }
        if let Some(literal) = line.strip_prefix('\\') {
            current.text.push(literal.to_string());
            continue;
        }
        if let Some(rest) = line.strip_prefix("media:") {
            let (path, alt) = match rest.split_once('|') {
                Some((p, a)) => (
                    p.trim(),
                    Some(a.trim().to_string()).filter(|a| !a.is_empty()),
                ),
                None => (rest.trim(), None),
            };
            if path.is_empty() {
                return Err(ThreadFileError::MediaWithoutPath {
                    file: file.into(),
                    line: n,
                });
            }
            current.media.push(ThreadMedia {
                path: base.join(path),
                alt,
            });
            continue;
        }
        current.text.push(line.to_string());
    }
    posts.push(current);
    // A file that ends with "---" (and nothing after it) has no extra post.
    if posts.len() > 1 && posts.last().is_some_and(Draft::is_blank) {
        posts.pop();
    }
    if posts.len() == 1 && posts[0].is_blank() {
        return Err(ThreadFileError::NoPosts { file: file.into() });
    }
    if posts.len() > THREAD_MAX_POSTS {
        return Err(ThreadFileError::TooManyPosts {
            file: file.into(),
            count: posts.len(),
        });
    }
    posts
        .into_iter()
        .enumerate()
        .map(|(i, d)| {
            if d.is_blank() {
                return Err(ThreadFileError::EmptyPost {
                    file: file.into(),
                    post: i + 1,
                    line: d.line,
                });
            }
            Ok(d.finish())
        })
        .collect()
}

struct Draft {
    line: usize,
    text: Vec<String>,
    media: Vec<ThreadMedia>,
}

impl Draft {
    fn new(line: usize) -> Self {
        Draft {
            line,
            text: Vec::new(),
            media: Vec::new(),
        }
    }

    fn is_blank(&self) -> bool {
        self.media.is_empty() && self.text.iter().all(|l| l.trim().is_empty())
    }

    /// Blank lines around the text go; the lines inside stay as written.
    fn finish(self) -> ThreadPost {
        let first = self.text.iter().position(|l| !l.trim().is_empty());
        let last = self.text.iter().rposition(|l| !l.trim().is_empty());
        let text = match (first, last) {
            (Some(a), Some(b)) => self.text[a..=b].join("\n"),
            _ => String::new(),
        };
        ThreadPost {
            line: self.line,
            text,
            media: self.media,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Vec<ThreadPost>, ThreadFileError> {
        parse_thread(s, Path::new("/event"), "event.txt")
    }

    #[test]
    fn posts_media_alt_and_literal_lines() {
        let src = "Our team at the fair!\nmedia: team.jpg | Five people at a stand\n---\n\nThe talk:\nmedia: /videos/talk.mp4\n\n---\n\\---\n\\media: not a file\nThe end\n";
        let posts = parse(src).unwrap();
        assert_eq!(posts.len(), 3);
        assert_eq!(posts[0].text, "Our team at the fair!");
        assert_eq!(
            posts[0].media,
            vec![ThreadMedia {
                path: PathBuf::from("/event/team.jpg"),
                alt: Some("Five people at a stand".into())
            }]
        );
        assert_eq!(posts[1].line, 4);
        assert_eq!(posts[1].text, "The talk:");
        assert_eq!(posts[1].media[0].path, PathBuf::from("/videos/talk.mp4"));
        assert_eq!(posts[1].media[0].alt, None);
        assert_eq!(posts[2].text, "---\nmedia: not a file\nThe end");
        assert!(posts[2].media.is_empty());
    }

    #[test]
    fn windows_line_ends_bom_and_a_closing_separator() {
        let posts = parse("\u{feff}one\r\nline two\r\n---\r\ntwo\r\n---\r\n").unwrap();
        assert_eq!(posts.len(), 2);
        assert_eq!(posts[0].text, "one\nline two");
        assert_eq!(posts[1].text, "two");
    }

    #[test]
    fn refusals_name_file_and_line() {
        assert_eq!(
            parse("a\n---\n\n---\nb").unwrap_err(),
            ThreadFileError::EmptyPost {
                file: "event.txt".into(),
                post: 2,
                line: 3
            }
        );
        assert_eq!(
            parse("a\nmedia:   | alt").unwrap_err(),
            ThreadFileError::MediaWithoutPath {
                file: "event.txt".into(),
                line: 2
            }
        );
        assert!(matches!(
            parse("\n  \n"),
            Err(ThreadFileError::NoPosts { .. })
        ));
        let many = vec!["x"; 26].join("\n---\n");
        assert_eq!(
            parse(&many).unwrap_err().to_string(),
            "event.txt has 26 posts; a thread holds up to 25. Split it in two."
        );
        assert_eq!(parse(&vec!["x"; 25].join("\n---\n")).unwrap().len(), 25);
    }

    #[test]
    fn reading_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.txt");
        std::fs::write(&path, "hi\nmedia: a.png").unwrap();
        let posts = read_thread_file(&path).unwrap();
        assert_eq!(posts[0].media[0].path, dir.path().join("a.png"));
        std::fs::write(&path, [0xff, 0xfe, 0x00]).unwrap();
        assert!(matches!(
            read_thread_file(&path),
            Err(ThreadFileError::NotUtf8 { .. })
        ));
        let missing = read_thread_file(&dir.path().join("nope.txt")).unwrap_err();
        assert!(
            missing.to_string().contains("there is no such file"),
            "{missing}"
        );
    }
}

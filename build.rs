//! On Windows: the icon and version information in the executable.
//! (Elsewhere there is nothing to do.)

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=assets/icons/x-uploader.ico");
    #[cfg(windows)]
    {
        let mut res = winresource::WindowsResource::new();
        res.set_icon("assets/icons/x-uploader.ico");
        res.set("ProductName", "X Uploader");
        res.set("FileDescription", "X Uploader");
        if let Err(e) = res.compile() {
            println!("cargo:warning=the icon was not embedded: {e}");
        }
    }
}

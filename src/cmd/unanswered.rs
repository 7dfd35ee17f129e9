use crate::cli::Cli;

pub fn run(cli: &Cli, json: bool) -> anyhow::Result<()> {
    let engine = super::open_engine(cli)?;
    let list = engine.unanswered()?;
    if json {
        println!("{}", serde_json::to_string(&list)?);
    } else if list.is_empty() {
        println!("no unanswered questions");
    } else {
        for item in &list {
            let last = super::clinic_time(&engine, item.last_seen);
            println!("{:>4}x  last {last}  {}", item.count, item.text);
        }
    }
    Ok(())
}

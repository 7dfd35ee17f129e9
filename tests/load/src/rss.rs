//! What Linux's `/proc` says about a process: resident memory (`VmRSS`, and
//! its high-water mark `VmHWM`), threads, and CPU time used.

use std::time::Duration;

/// Resident memory of a process, in bytes.
#[derive(Debug, Clone, Copy, Default)]
pub struct Memory {
    /// Resident now.
    pub rss: u64,
    /// The most it has been resident since it started.
    pub peak: u64,
    /// Threads now (each may hold a malloc arena).
    pub threads: u64,
}

/// The memory of process `pid`, or `None` when it is gone (or not Linux).
pub fn memory(pid: u32) -> Option<Memory> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |key: &str| -> Option<u64> {
        let line = status.lines().find(|l| l.starts_with(key))?;
        let value = line[key.len()..].trim().trim_end_matches("kB").trim();
        value.parse::<u64>().ok()
    };
    Some(Memory {
        rss: field("VmRSS:")? * 1024,
        peak: field("VmHWM:")? * 1024,
        threads: field("Threads:")?,
    })
}

/// CPU time (user plus system, all threads) process `pid` has used: `None`
/// for the generator itself.
pub fn cpu(pid: Option<u32>) -> Option<Duration> {
    let path = pid.map_or("/proc/self/stat".to_owned(), |p| format!("/proc/{p}/stat"));
    let stat = std::fs::read_to_string(path).ok()?;
    // Fields after the command name (which may hold spaces), from field 3 on.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i - 3)?.parse::<u64>().ok();
    // utime and stime are fields 14 and 15, in clock ticks (100 a second on
    // Linux, whatever the kernel's HZ).
    let total = ticks(14)? + ticks(15)?;
    Some(Duration::from_millis(total * 10))
}

/// CPU time the whole machine has been busy (all cores, every process:
/// `/proc/stat`'s first line less idle and iowait), to tell how much other
/// work ran during a load.
pub fn machine_busy() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().next()?.strip_prefix("cpu ")?;
    let ticks: Vec<u64> = line
        .split_whitespace()
        .map(|t| t.parse().ok())
        .collect::<Option<_>>()?;
    // user nice system idle iowait irq softirq steal (guest time is already
    // in user and nice).
    let busy: u64 = ticks.iter().take(8).sum::<u64>() - ticks.get(3)? - ticks.get(4)?;
    Some(Duration::from_millis(busy * 10))
}

/// Bytes as mebibytes, for reports.
pub fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generator_can_read_its_own_memory_and_cpu() {
        let me = memory(std::process::id()).expect("Linux /proc");
        assert!(me.rss > 0 && me.peak >= me.rss);
        assert!(cpu(None).is_some());
        assert!(machine_busy().is_some());
    }
}

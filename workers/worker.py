"""arq's worker, with the jobs it starts claimed in one Redis round trip per poll.

arq (0.26-0.28) reads up to `queue_read_limit` job ids from the head of the queue and tries
each in turn: WATCH its in-progress key, EXISTS, ZSCORE, then MULTI/PSETEX/EXEC or UNWATCH.
A started job stays in the queue until it finishes, so a busy worker goes through the ids it
and the other workers are already running on every poll: under bench/queue.py, 2.4 tries
(about ten round trips) per job it started. Here one script makes the same checks for all of
them at once (not running anywhere, due now) and marks at most the free slots' worth in
progress, atomically, so two workers never start one job.
"""

from __future__ import annotations

from arq import worker
from arq.constants import in_progress_key_prefix
from arq.utils import timestamp_ms

# KEYS: the queue, then each candidate's in-progress key. ARGV: now (ms), the in-progress key's
# lifetime (ms), how many to claim, then the candidates' ids. Returns id, score, id, score, ...
CLAIM = """
local claimed, wanted, now = {}, tonumber(ARGV[3]), tonumber(ARGV[1])
for i = 2, #KEYS do
  if #claimed >= 2 * wanted then break end
  if redis.call('EXISTS', KEYS[i]) == 0 then
    local id = ARGV[i + 2]
    local score = redis.call('ZSCORE', KEYS[1], id)
    if score and tonumber(score) <= now then
      redis.call('PSETEX', KEYS[i], ARGV[2], '1')
      claimed[#claimed + 1] = id
      claimed[#claimed + 1] = score
    end
  end
end
return claimed
"""


class Worker(worker.Worker):
    async def start_jobs(self, job_ids: list[bytes]) -> None:
        """Start the jobs among `job_ids` that no worker runs yet, as many as there are free slots."""
        free = self.max_jobs - self.job_counter
        candidates = [job_id for job_id in (raw.decode() for raw in job_ids) if job_id not in self.tasks]
        if free <= 0 or not candidates:
            return
        claim = self.pool.register_script(CLAIM)  # EVALSHA; the script is loaded on its first use
        claimed = await claim(
            keys=[self.queue_name, *(in_progress_key_prefix + job_id for job_id in candidates)],
            args=[timestamp_ms(), int(self.in_progress_timeout_s * 1000), free, *candidates],
        )
        for raw_id, score in zip(claimed[::2], claimed[1::2], strict=True):
            await self.sem.acquire()  # never waits: there were `free` slots
            self.job_counter += 1
            job_id = raw_id.decode()
            task = self.loop.create_task(self.run_job(job_id, int(float(score))))
            task.add_done_callback(lambda _: self._release_sem_dec_counter_on_complete())
            self.tasks[job_id] = task

"""TensorFlow's native log lines: filtered at the source in cl.setup(), stripped from saved outputs."""

import os

from course_lib import _tf_logs

NOISE = [b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n",
         b"I0000 00:00:1796161656.083357   21474 port.cc:153] oneDNN custom operations are on.\n",
         b"E0000 00:00:1796161662.483111   21474 cuda_platform.cc:52] failed call to cuInit: UNKNOWN ERROR (303)\n"]


def test_start_up_noise_is_dropped_and_other_lines_pass(capfd):
    with _tf_logs.quiet_tensorflow_start_up():
        for line in NOISE:
            os.write(2, line)
        os.write(2, b"E0000 00:00:1796161662.483111   21474 kernel.cc:9] a real runtime error\n")
        os.write(2, b"UserWarning: something the student should see\n")
    err = capfd.readouterr().err
    assert "oneDNN" not in err and "cuInit" not in err and "absl::InitializeLog" not in err
    assert "a real runtime error" in err and "something the student should see" in err


def test_fd_2_is_restored_even_when_the_block_raises(capfd):
    try:
        with _tf_logs.quiet_tensorflow_start_up():
            raise KeyError("inside")
    except KeyError:
        pass
    os.write(2, b"after the block\n")
    assert "after the block" in capfd.readouterr().err


def test_saved_outputs_lose_every_native_line_but_keep_warnings():
    assert all(_tf_logs.NATIVE_LOG_LINE.match(line.decode()) for line in NOISE)
    assert not _tf_logs.NATIVE_LOG_LINE.match("UserWarning: keep me")

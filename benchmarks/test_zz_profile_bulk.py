import cProfile, pstats, time, os
from wms.orders.commands import PushOrder
from wms.orders.services import push_orders
from wms.orders.workflow import Policy

def test_profile(templates, orders):
    cmds = [PushOrder.model_validate(o) for o in orders]
    db = templates.fresh("postgresql")
    pr = cProfile.Profile()
    t0 = time.perf_counter()
    pr.enable()
    push_orders(cmds, db.uow(), Policy.from_settings(db.settings), "bench")
    pr.disable()
    print("\norders/s", len(cmds) / (time.perf_counter() - t0))
    pstats.Stats(pr).sort_stats(os.environ.get("PROF_SORT", "cumulative")).print_stats(int(os.environ.get("PROF_LINES", "60")))
    db.close()
